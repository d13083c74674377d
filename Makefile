# The two commands the README starts with:
#   make dev   build and serve demo page + widget + worker offline on :8787
#   make test  every check CI runs (fmt, clippy, tests, fuzzing, browser e2e)
.PHONY: dev test build sizes deploy-check fuzz tools clean

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

build:
	bash scripts/build.sh

sizes: build
	bash scripts/sizes.sh

deploy-check: build
	bash scripts/deploy-check.sh

fuzz:
	bash scripts/fuzz.sh

tools:
	bash -c '. scripts/tools.sh'

clean:
	rm -rf dist edge/build .wrangler target
