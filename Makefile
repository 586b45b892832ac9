# `sam build` calls this target (template.yaml: BuildMethod makefile) with ARTIFACTS_DIR set.
build-TodoFunction:
	.venv/bin/todo-api package --output "$(ARTIFACTS_DIR)"
