# Multi-stage build: a static kite binary on a small base image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/kite-tracker/kite/internal/app.Version=${VERSION}" -o /out/kite ./cmd/kite \
 && CGO_ENABLED=0 go build -trimpath -o /out/kite-bench ./cmd/kite-bench \
 && mkdir -p /out/data/spool

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kite /out/kite-bench /usr/local/bin/
# The spool and embedded data live here; owned by the nonroot user so a named
# volume mounted on it is writable.
COPY --from=build --chown=65532:65532 /out/data /var/lib/kite
WORKDIR /var/lib/kite
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kite"]
CMD ["serve"]
