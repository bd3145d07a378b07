using DataGuard.Migrations;

namespace DataGuard.Tests.Migrations;

public class MigrationDirectoryTests
{
    [Fact]
    public void Pairs_golang_migrate_files_by_version_even_when_titles_differ()
    {
        var set = MigrationDirectory.Parse(
        [
            ("20240826120919_create_users.up.sql", "CREATE TABLE users (id int);"),
            ("20240826120919_drop_users_table.down.sql", "DROP TABLE users;"),
            ("2_second.up.sql", "SELECT 1;"),
            ("README.md", "notes"),
        ]);

        Assert.Equal([2L, 20240826120919L], set.Migrations.Select(m => m.Version));
        var users = set.Migrations[1];
        Assert.Equal("create_users", users.Title);
        Assert.Equal("DROP TABLE users;", users.Down);
        Assert.Null(set.Migrations[0].Down);
        Assert.Equal(MigrationDirectory.Sha256("CREATE TABLE users (id int);"), users.UpSha256);
        Assert.Contains(set.Warnings, w => w.StartsWith("README.md", StringComparison.Ordinal));
    }

    [Fact]
    public void Reads_dbmate_single_files_and_directives()
    {
        var set = MigrationDirectory.Parse(
        [
            ("3_index.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- migrate:down\nDROP INDEX CONCURRENTLY i;\n"),
            ("4_data.up.sql", "-- dataguard:irreversible\nDELETE FROM t;"),
        ]);

        var index = set.Migrations[0];
        Assert.True(index.NoTransaction);
        Assert.Contains("CREATE INDEX CONCURRENTLY", index.Up);
        Assert.DoesNotContain("DROP INDEX", index.Up);
        Assert.Contains("DROP INDEX CONCURRENTLY", index.Down);
        Assert.True(set.Migrations[1].Irreversible);
    }

    [Theory]
    [InlineData("--migrate:up\nCREATE TABLE a (i int);\n--migrate:down\nDROP TABLE a;\n")]
    [InlineData("--  migrate:up\r\nCREATE TABLE a (i int);\r\n--   migrate:down\r\nDROP TABLE a;\r\n")]
    [InlineData("-- header comment\n-- migrate:up\nCREATE TABLE a (i int); -- not a header: -- migrate:down\n-- migrate:down\nDROP TABLE a;\n")]
    public void Dbmate_headers_are_found_as_dbmate_finds_them_at_the_start_of_a_line_with_any_spacing(string file)
    {
        var set = MigrationDirectory.Parse([("20240101000000_a.sql", file)]);

        var migration = Assert.Single(set.Migrations);
        Assert.Empty(set.Warnings);
        Assert.StartsWith("CREATE TABLE a (i int);", migration.Up, StringComparison.Ordinal);
        Assert.DoesNotContain("DROP TABLE", migration.Up, StringComparison.Ordinal);
        Assert.Equal("DROP TABLE a;", migration.Down!.Trim());
    }

    [Fact]
    public void Reads_migrations_embedded_in_an_assembly()
    {
        var set = MigrationDirectory.ReadEmbedded(typeof(MigrationDirectoryTests).Assembly, "DataGuard.Tests.Migrations.");
        var migration = Assert.Single(set.Migrations);
        Assert.Equal(1, migration.Version);
        Assert.Equal("DROP TABLE a;\n", migration.Down);
    }

    [Fact]
    public void Dbmate_sections_know_their_line_in_the_file_and_their_own_transaction_option()
    {
        var set = MigrationDirectory.Parse(
        [
            ("5_x.sql", "-- a header comment\n-- migrate:up\n\nCREATE TABLE x (i int);\n\n-- migrate:down transaction:false\n\nDROP INDEX CONCURRENTLY IF EXISTS x_i;\nDROP TABLE x;\n"),
            ("6_y.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY y_i ON x (i);\n-- migrate:down\n"),
        ]);

        var x = set.Migrations[0];
        Assert.Equal("CREATE TABLE x (i int);\n", x.Up);
        Assert.Equal(3, x.UpLineOffset);   // the script's line 1 is the file's line 4
        Assert.Equal("-- dataguard:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS x_i;\nDROP TABLE x;\n", x.Down);
        Assert.Equal(6, x.DownLineOffset);   // the down's line 2 (after the directive added in front) is the file's line 8
        Assert.Equal("5_x.sql", x.DownSource);

        var y = set.Migrations[1];
        Assert.Equal(string.Empty, y.Down);   // an empty down section is a no-op down, as dbmate runs it
        Assert.Equal(0, y.UpLineOffset);
    }

    [Fact]
    public void Empty_and_comment_only_down_files_are_no_op_downs_not_missing_ones()
    {
        var set = MigrationDirectory.Parse([("1_a.up.sql", "UPDATE t SET v = 1;"), ("1_a.down.sql", string.Empty), ("2_b.up.sql", "UPDATE t SET v = 2;"), ("2_b.down.sql", "-- nothing to undo\n")]);
        Assert.All(set.Migrations, m => Assert.True(m.Down is not null && SqlLexer.IsEmpty(m.Down)));
        Assert.Equal("1_a.down.sql", set.Migrations[0].DownSource);
    }

    [Theory]
    [InlineData("1_a.up.sql", "1_b.up.sql", "appears twice")]
    [InlineData("1_a.down.sql", "2_b.up.sql", "has no up script")]
    [InlineData("99999999999999999999_big.up.sql", "1_a.up.sql", "fits in a bigint")]
    public void Inconsistent_files_are_errors(string first, string second, string message)
    {
        var ex = Assert.Throws<MigrationSourceException>(() => MigrationDirectory.Parse([(first, "SELECT 1;"), (second, "SELECT 2;")]));
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("BEGIN;\nCREATE TABLE a (i int);\nCOMMIT;", true)]
    [InlineData("start transaction;\nselect 1;\ncommit;", true)]
    [InlineData("CREATE FUNCTION f() RETURNS void AS $$ BEGIN PERFORM 1; END; $$ LANGUAGE plpgsql;", false)]
    [InlineData("DO $body$ BEGIN RAISE NOTICE 'x; COMMIT;'; END $body$;", false)]
    [InlineData("-- BEGIN;\nSELECT 'BEGIN;'; -- COMMIT;\n/* COMMIT; */", false)]
    public void Detects_scripts_that_manage_their_own_transaction(string script, bool expected) =>
        Assert.Equal(expected, ScriptAnalysis.ManagesOwnTransaction(script));
}
