# `sam build` calls this target (template.yaml: BuildMethod makefile) with ARTIFACTS_DIR set.
# LAMBDA_PYTHON, from the environment, names the Python 3.13 that compiles the bytecode where
# none is on PATH or under pyenv.
build-TodoFunction:
	.venv/bin/todo-api package --output "$(ARTIFACTS_DIR)" $(if $(LAMBDA_PYTHON),--python "$(LAMBDA_PYTHON)")
