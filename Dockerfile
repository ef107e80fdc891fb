# Multi-stage build: a static kite binary on a small base image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/kite-tracker/kite/internal/app.Version=${VERSION}" -o /out/kite ./cmd/kite \
 && CGO_ENABLED=0 go build -trimpath -o /out/kite-bench ./cmd/kite-bench

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kite /out/kite-bench /usr/local/bin/
WORKDIR /var/lib/kite
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kite"]
CMD ["serve"]
