# wsedge and its demo echo backends on Debian 12.
#   docker build -t wsedge .        (or: docker-compose up --build)
FROM debian:12-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake make g++ pkg-config ca-certificates \
      libevent-dev libssl-dev libtomlplusplus-dev libjemalloc-dev nlohmann-json3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY include ./include
COPY src ./src
COPY conf ./conf
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWSEDGE_BUILD_TESTS=OFF -DWSEDGE_BUILD_BENCH=OFF \
 && cmake --build build --target wsedge -j"$(nproc)"

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libevent-2.1-7 libevent-core-2.1-7 libevent-pthreads-2.1-7 libevent-openssl-2.1-7 \
      libssl3 libjemalloc2 libtomlplusplus3 ca-certificates \
      python3 python3-websockets nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/wsedge
COPY --from=build /src/build/wsedge /usr/local/bin/wsedge
COPY conf ./conf
COPY integration/package.json integration/package-lock.json ./integration/
RUN cd integration && npm ci --no-audit --no-fund --loglevel=error
COPY integration/peers ./integration/peers
EXPOSE 8080
USER nobody
ENTRYPOINT ["/usr/local/bin/wsedge"]
CMD ["-c", "/opt/wsedge/conf/wsedge.toml"]
