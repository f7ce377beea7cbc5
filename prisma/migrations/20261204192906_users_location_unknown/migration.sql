-- AlterTable
ALTER TABLE "users" ALTER COLUMN "latitude" DROP NOT NULL,
ALTER COLUMN "longitude" DROP NOT NULL;
-- Written by hand. A location nobody typed is unknown: both columns null, which is what Prisma
-- Studio now leaves in a new row's empty Float? fields (for a required Float it filled in 0, 0,
-- which users_location_not_0_0 refuses). Half a location is refused; a value that is there is
-- still range-checked (users_latitude_range, users_longitude_range: null passes a CHECK).
-- Existing rows all have both, so the rule holds at once.
ALTER TABLE "users"
  ADD CONSTRAINT "users_location_both_or_neither"
    CHECK (("latitude" IS NULL) = ("longitude" IS NULL));
