-- AlterTable
ALTER TABLE "products" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "users" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- Everything below is written by hand: schema.prisma cannot express triggers or CHECK
-- constraints, and Prisma's diff ignores both (tests/integration/db/migrations.test.ts).
-- Rows are written by Prisma Client, but also by hand (Prisma Studio, psql): the database keeps
-- them valid itself. The API validates bodies more strictly (400 first); nothing it accepts is
-- refused here.

-- Rows stored before this migration by a client that does not set @updatedAt (Prisma Studio
-- sends 1970-01-01) were never touched since: their last change is their creation.
UPDATE "users" SET "updated_at" = "created_at" WHERE "updated_at" < "created_at";
UPDATE "products" SET "updated_at" = "created_at" WHERE "updated_at" < "created_at";

-- updated_at is the database's: set on every INSERT and UPDATE, whatever the client sent
-- (Prisma Studio sends the epoch on insert; psql and other clients may send nothing or anything).
CREATE FUNCTION "set_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."updated_at" := now();
  RETURN NEW;
END
$$;

CREATE TRIGGER "users_set_updated_at" BEFORE INSERT OR UPDATE ON "users"
  FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

CREATE TRIGGER "products_set_updated_at" BEFORE INSERT OR UPDATE ON "products"
  FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

-- CHECK constraints, named so that a refused row says which rule it broke. Added NOT VALID, then
-- validated below when the existing rows allow it: a database with bad rows from before still
-- migrates (a warning names the rows), and new or changed rows are checked either way.
-- "Blank" and "control character" mean what they mean to the API (src/routes/products/keywords.ts):
-- JavaScript's whitespace (\s) and Unicode's control characters (Cc; PostgreSQL cannot store NUL).

ALTER TABLE "users"
  ADD CONSTRAINT "users_name_not_blank"
    CHECK ("name" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID,
  ADD CONSTRAINT "users_name_one_line"
    CHECK ("name" !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  -- E.164: "+", a country code that does not start with 0, 7 to 15 digits in all; no spaces or dashes.
  ADD CONSTRAINT "users_mobile_e164"
    CHECK ("mobile" ~ '^\+[1-9][0-9]{6,14}$') NOT VALID,
  -- Also refuses NaN and ±Infinity, which compare greater or smaller than every number.
  ADD CONSTRAINT "users_latitude_range"
    CHECK ("latitude" BETWEEN -90 AND 90) NOT VALID,
  ADD CONSTRAINT "users_longitude_range"
    CHECK ("longitude" BETWEEN -180 AND 180) NOT VALID,
  -- 0, 0 is open sea, and what Prisma Studio puts in both fields of a new row: a location never typed.
  ADD CONSTRAINT "users_location_not_0_0"
    CHECK ("latitude" <> 0 OR "longitude" <> 0) NOT VALID;

ALTER TABLE "products"
  ADD CONSTRAINT "products_product_name_not_blank"
    CHECK ("product_name" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID,
  ADD CONSTRAINT "products_product_name_one_line"
    CHECK ("product_name" !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  -- numeric accepts NaN, and NaN >= 0 is true in PostgreSQL.
  ADD CONSTRAINT "products_product_price_not_negative"
    CHECK ("product_price" >= 0 AND "product_price" <> 'NaN') NOT VALID,
  -- Prisma maps String[] to a nullable text[]; the worker and the API expect a list of strings.
  ADD CONSTRAINT "products_product_images_not_empty"
    CHECK ("product_images" IS NOT NULL AND cardinality("product_images") > 0) NOT VALID,
  ADD CONSTRAINT "products_product_images_no_nulls"
    CHECK (array_position("product_images", NULL) IS NULL) NOT VALID,
  ADD CONSTRAINT "products_compressed_product_images_no_nulls"
    CHECK ("compressed_product_images" IS NOT NULL AND array_position("compressed_product_images", NULL) IS NULL) NOT VALID,
  -- At most one compressed image per source image.
  ADD CONSTRAINT "products_compressed_product_images_count"
    CHECK (cardinality("compressed_product_images") <= cardinality("product_images")) NOT VALID,
  ADD CONSTRAINT "products_image_errors_array"
    CHECK (jsonb_typeof("image_errors") = 'array') NOT VALID,
  -- What the worker writes: done = every image stored and no error; failed = at least one error.
  ADD CONSTRAINT "products_done_has_every_image"
    CHECK ("status" <> 'done' OR (cardinality("compressed_product_images") = cardinality("product_images") AND "image_errors" = '[]')) NOT VALID,
  ADD CONSTRAINT "products_failed_has_errors"
    CHECK ("status" <> 'failed' OR "image_errors" <> '[]') NOT VALID;

-- Validate every constraint that the existing rows satisfy. For the others, keep the rows, warn
-- with their ids, and leave the constraint NOT VALID (still enforced on new and changed rows)
-- until the rows are fixed and the constraint is validated by hand.
DO $$
DECLARE
  c record;
  bad_count bigint;
  bad_ids text;
BEGIN
  FOR c IN
    SELECT con.conname AS name, con.conrelid::regclass AS tbl, pg_get_expr(con.conbin, con.conrelid) AS expr,
           CASE WHEN con.conrelid = '"users"'::regclass THEN 'id' ELSE 'product_id' END AS pk
    FROM pg_constraint con
    WHERE con.contype = 'c' AND NOT con.convalidated
      AND con.conrelid IN ('"users"'::regclass, '"products"'::regclass)
    ORDER BY 2, 1
  LOOP
    EXECUTE format(
      'SELECT count(*), string_agg(%1$I::text, '', '' ORDER BY %1$I) FILTER (WHERE n <= 20)
       FROM (SELECT %1$I, row_number() OVER (ORDER BY %1$I) AS n FROM %2$s WHERE NOT (%3$s)) AS bad',
      c.pk, c.tbl, c.expr
    ) INTO bad_count, bad_ids;
    IF bad_count = 0 THEN
      EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', c.tbl, c.name);
    ELSE
      RAISE WARNING '% row(s) of % break constraint % (% %): kept as they are; the constraint holds for new and changed rows. Fix them, then run: ALTER TABLE % VALIDATE CONSTRAINT %;',
        bad_count, c.tbl, c.name, c.pk, bad_ids || CASE WHEN bad_count > 20 THEN ', ...' ELSE '' END, c.tbl, c.name;
    END IF;
  END LOOP;
END
$$;
