using DataGuard.Migrations;

namespace DataGuard.Tests.Migrations;

public sealed class MigrationLintTests
{
    [Fact]
    public void Finds_what_will_fail_or_not_be_atomic_before_anything_runs()
    {
        var findings = MigrationLint.Check(
        [
            ("000001_users.up.sql", "CREATE TABLE users (id int, email text);\n"),
            ("000001_users.down.sql", "-- nothing\n"),
            ("000002_index.up.sql", "-- concurrently\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n"),
            ("000002_index.down.sql", "DROP INDEX CONCURRENTLY users_email;\n"),
            ("000003_mixed.up.sql", "ALTER TABLE users ADD COLUMN name text;\n\nCREATE INDEX CONCURRENTLY users_name ON users (name);\n"),
            ("000003_mixed.down.sql", "DROP INDEX users_name;\nALTER TABLE users DROP COLUMN name;\n"),
            ("000004_tx.up.sql", "BEGIN;\nUPDATE users SET email = lower(email);\n"),
            ("000004_tx.down.sql", "BEGIN;\nCREATE INDEX CONCURRENTLY x ON users (id);\nCOMMIT;\n"),
            ("000005_orphan.down.sql", "SELECT 1;\n"),
            ("000006_no_down.up.sql", "SELECT 1;\n"),
            ("000007_a.up.sql", "SELECT 1;\n"),
            ("000007_b.up.sql", "SELECT 2;\n"),
            ("20240101000000_dbmate.sql", "-- migrate:up\ncreate table d (i int);\n-- migrate:down\n"),
            ("000008_col.up.sql", "ALTER TABLE users ADD COLUMN age int;\n"),
            ("000008_col.down.sql", string.Empty),
            ("notes.txt", "hello"),
        ]);

        string Find(string severity, string file, string text) =>
            Assert.Single(findings, f => f.Severity == severity && f.File == file && f.Message.Contains(text, StringComparison.Ordinal)).Message;

        Find("warning", "000001_users.down.sql", "empty, but its up creates objects");
        Assert.Equal(2, Assert.Single(findings, f => f.File == "000002_index.up.sql" && f.Severity == "note").Line);
        Find("warning", "000003_mixed.up.sql", "2 statements, 1 of which must run outside a transaction: they run one by one and cannot be atomic");
        Assert.Equal(3, Assert.Single(findings, f => f.File == "000003_mixed.up.sql" && f.Severity == "note").Line);
        Find("error", "000004_tx.up.sql", "BEGIN without COMMIT");
        Assert.Equal(2, Assert.Single(findings, f => f.File == "000004_tx.down.sql" && f.Severity == "error").Line);
        Find("error", "000005_orphan.down.sql", "no up script");
        Find("warning", "000006_no_down.up.sql", "no down script");
        Find("error", "000007_b.up.sql", "2 up scripts");
        Find("warning", "20240101000000_dbmate.sql", "empty, but its up creates objects");
        Find("note", "notes.txt", "ignored");
        Find("warning", "000008_col.down.sql", "empty, but its up creates objects");
        Assert.Equal("error", findings[0].Severity);
        Assert.DoesNotContain(findings, f => f.File == "000002_index.up.sql" && f.Severity != "note");
    }
}
