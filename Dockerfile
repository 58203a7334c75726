# A container for a classroom lab (not used by the tests). The mail ports are the lab ports
# (standard + 2000); map them to the standard ports on the host if you like, e.g.
#   docker run -p 443:8080 -p 25:2025 -p 587:2587 -p 465:2465 -p 143:2143 -p 993:2993 \
#              -p 110:2110 -p 995:2995 -v maillab-data:/data maillab
FROM node:22-bookworm-slim
WORKDIR /opt/maillab
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
VOLUME /data
EXPOSE 8080 2025 2465 2587 2110 2995 2143 2993 2053/udp 2053/tcp
CMD ["node", "bin/maillab.mjs", "serve", "--mode", "classroom", "--host", "0.0.0.0", "--data", "/data"]
