# One image for the web server, the Celery worker and the inference worker.
FROM node:20-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim
# The image listens on 0.0.0.0: never with the development SECRET_KEY (config/secret_key.py).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SWITCHYARD_PUBLIC=1
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=frontend /src/frontend/dist ./frontend/dist
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_examples && python -m config.web -b 0.0.0.0 -p 8000 -v 0 config.asgi:application"]
