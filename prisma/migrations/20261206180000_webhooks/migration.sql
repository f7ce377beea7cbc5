-- CreateEnum
CREATE TYPE "webhook_result" AS ENUM ('delivered', 'failed', 'gave_up', 'gone', 'blocked');

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_attempts" (
    "id" BIGSERIAL NOT NULL,
    "endpoint_id" INTEGER NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "result" "webhook_result" NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_endpoints_user_id_idx" ON "webhook_endpoints"("user_id");

-- CreateIndex
CREATE INDEX "webhook_attempts_endpoint_id_id_idx" ON "webhook_attempts"("endpoint_id", "id");

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand (schema.prisma cannot say it): rows stay valid whoever writes them. New tables, so
-- no row from before can break a constraint and each is valid from the start.
ALTER TABLE "webhook_endpoints"
  -- What the API accepts (src/images/url-policy.ts): http(s), no whitespace or control characters.
  ADD CONSTRAINT "webhook_endpoints_url_http"
    CHECK ("url" ~ '^https?://[^/?#]' AND "url" !~ '[\s\x01-\x1f\x7f-\x9f]' AND char_length("url") <= 2048),
  ADD CONSTRAINT "webhook_endpoints_description_one_line"
    CHECK ("description" !~ '[\x01-\x1f\x7f-\x9f]' AND char_length("description") <= 200),
  -- Standard Webhooks' form: whsec_ and the base64 of 24 to 64 random bytes.
  ADD CONSTRAINT "webhook_endpoints_secret_whsec"
    CHECK ("secret" ~ '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$');

ALTER TABLE "webhook_attempts"
  ADD CONSTRAINT "webhook_attempts_attempt_positive" CHECK ("attempt" >= 1),
  ADD CONSTRAINT "webhook_attempts_duration_not_negative" CHECK ("duration_ms" >= 0),
  ADD CONSTRAINT "webhook_attempts_status_code_http" CHECK ("status_code" BETWEEN 100 AND 599),
  -- delivered = a 2xx and no error; gone = the 410 that disabled the endpoint; the rest name why.
  ADD CONSTRAINT "webhook_attempts_result_matches" CHECK (
    CASE "result"
      WHEN 'delivered' THEN "status_code" BETWEEN 200 AND 299 AND "error" IS NULL
      WHEN 'gone' THEN "status_code" = 410 AND "error" IS NOT NULL
      ELSE "error" IS NOT NULL
    END);
