using DataGuard.Postgres.Migrations;

namespace DataGuard.Tests.Migrations;

public sealed class DownImpactTests
{
    [Fact]
    public void Finds_dropped_columns_and_tables_outside_comments_and_strings()
    {
        const string Script = """
            -- ALTER TABLE commented DROP COLUMN nope;
            ALTER TABLE customers DROP COLUMN email;
            ALTER TABLE "Shop"."Orders" DROP COLUMN IF EXISTS "Note", DROP CONSTRAINT "FK_x", ALTER COLUMN total DROP NOT NULL;
            ALTER TABLE ONLY public.items DROP size;
            ALTER TABLE t ALTER COLUMN c DROP DEFAULT;
            INSERT INTO log VALUES ('DROP TABLE secrets; ALTER TABLE x DROP COLUMN y');
            DROP TABLE IF EXISTS orders, "Archive"."Old" CASCADE;
            DROP INDEX "IX_orders_customer_id";
            DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130104634_CreateOrders';
            """;

        Assert.Equal(
            [("customers", "email"), ("\"Shop\".\"Orders\"", "\"Note\""), ("public.items", "size"), ("orders", null), ("\"Archive\".\"Old\"", null)],
            DownImpact.Drops(Script));
    }
}
