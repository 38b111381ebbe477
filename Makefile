# Graft: `make demo` and `make test` install what is missing, build and run.
SWIFT ?= swift
APT_PACKAGES := libdnnl-dev zlib1g-dev libturbojpeg0-dev libspng-dev dataset-fashion-mnist python3-torchvision
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FASHION := /usr/share/datasets/fashion-mnist

.PHONY: deps build test demo clean

# Installs the apt packages that are missing; runs apt-get update only when something is.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	GRAFT_FASHION_MNIST=$(FASHION) $(SWIFT) test --skip-build --disable-swift-testing

demo: build
	.build/release/graft train --model lenet5 --data $(FASHION) --epochs 10

clean:
	rm -rf .build
