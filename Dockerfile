# PlagDetect web app. Installs the way the README does (`make install`), runs as a non-root user,
# serves Streamlit on port 8501 and keeps the data directory in a volume.
FROM python:3.11-slim-bookworm

# A C++ compiler builds hnswlib; make runs the set-up.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential make \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 plagdetect
WORKDIR /app
COPY --chown=plagdetect:plagdetect . /app
USER plagdetect

RUN make install

ENV PLAGDETECT_DATA_DIR=/app/data
VOLUME ["/app/data"]
EXPOSE 8501

CMD [".venv/bin/streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
