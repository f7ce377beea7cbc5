-- CreateTable
CREATE TABLE "product_deletions" (
    "product_id" INTEGER NOT NULL,
    "deleted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queued_at" TIMESTAMPTZ(3),
    "files_removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "product_deletions_pkey" PRIMARY KEY ("product_id")
);

-- CreateTable
CREATE TABLE "superseded_images" (
    "product_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "superseded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "superseded_images_pkey" PRIMARY KEY ("product_id","key")
);

-- CreateIndex
CREATE INDEX "product_deletions_queued_at_idx" ON "product_deletions"("queued_at");

-- CreateIndex
CREATE INDEX "superseded_images_superseded_at_idx" ON "superseded_images"("superseded_at");

-- AddForeignKey
ALTER TABLE "superseded_images" ADD CONSTRAINT "superseded_images_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("product_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand. A superseded file's key names its own product's folder, and nothing else
-- (the shape src/images/storage/image-store.ts gives keys: `<product_id>/<file>`).
ALTER TABLE "superseded_images"
  ADD CONSTRAINT "superseded_images_key_in_product"
    CHECK ("key" ~ '^[1-9][0-9]*/[^/]+$' AND split_part("key", '/', 1) = "product_id"::text);
ALTER TABLE "product_deletions"
  ADD CONSTRAINT "product_deletions_product_id_positive" CHECK ("product_id" > 0),
  ADD CONSTRAINT "product_deletions_removed_after_deleted"
    CHECK ("files_removed_at" IS NULL OR "files_removed_at" >= "deleted_at");
