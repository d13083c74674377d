# The two commands the README starts with:
#   make dev   build and serve demo page + widget + worker offline on :8787
#   make test  every check CI runs (fmt, clippy, tests, fuzzing, browser e2e)
#   make load  load and faults on loopback, full size (scripts/load.mjs;
#              LOAD_ARGS='--var NAME:VALUE' passes vars to its worker)
.PHONY: dev test build sizes deploy-check deploy fuzz tools clean load content-scale

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

# Ships widget, API and help content (README "Deploy to Cloudflare").
deploy: deploy-check
	bash scripts/wrangler.sh deploy

fuzz:
	bash scripts/fuzz.sh

load: build
	bash -c '. scripts/tools.sh && node scripts/load.mjs $(LOAD_ARGS)'

# A 10,000-article help centre uploaded to wrangler dev: update and load costs.
content-scale: build
	bash -c '. scripts/tools.sh && node scripts/content-scale.mjs $(ARTICLES)'

tools:
	bash -c '. scripts/tools.sh'

clean:
	rm -rf dist edge/build .wrangler target

# Bring existing help content in: make import ARGS='markdown docs/ --out kb'
# (see README "Bring your help content"); throughput: make import-bench.
.PHONY: import import-bench
import:
	cargo run --quiet --release -p frontdesk-import -- $(ARGS)

import-bench:
	bash scripts/import-bench.sh $(ARGS)
