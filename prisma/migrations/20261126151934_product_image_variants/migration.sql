-- AlterTable
ALTER TABLE "products" ADD COLUMN     "images" JSONB NOT NULL DEFAULT '[]';

-- Written by hand: one record per stored image, so never more records than stored paths. Rows
-- from before have no records ('[]'), which both rules allow, so they hold at once.
ALTER TABLE "products"
  ADD CONSTRAINT "products_images_array"
    CHECK (jsonb_typeof("images") = 'array'),
  ADD CONSTRAINT "products_images_count"
    CHECK (jsonb_array_length("images") <= cardinality("compressed_product_images"));
