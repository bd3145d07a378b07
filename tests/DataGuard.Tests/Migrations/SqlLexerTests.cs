using System.Text;
using DataGuard.Migrations;

namespace DataGuard.Tests.Migrations;

public sealed class SqlLexerTests
{
    /// <summary>Pieces of a statement that hold a semicolon (or something like a statement end) that must not split it.</summary>
    private static readonly string[] Tricky =
    [
        "'it''s; fine'",
        "E'back\\'slash; \\\\'",
        "e'\\\\'",
        "U&'d\\0061t; a'",
        "\"odd;\"\"name\"",
        "$$ BEGIN PERFORM 1; RETURN; END; $$",
        "$body$ x; $$ not the end; $b$ neither; $body$",
        "$_1$;$_1$",
        "/* block; /* nested; */ still comment; */",
        "-- line comment; with a semicolon\n",
        "(SELECT 1; )",
        "B'0101'",
        "X'FF'",
        "$1",
        "a$b",
        "1.5e3",
        "'multi\nline; string'",
        "\"\"\"\"",
        "''",
        "$$$$",
    ];

    private static readonly string[] Plain = ["SELECT", "col", "FROM", "app.t", "=", "+", "::text", ",", "42", "WHERE", "x.y", "*", "<>", "IS NULL"];

    private static readonly string[] Separators = [" ", "\n", "\t", "  \n  ", "\n-- between; statements\n", "\n/* between; */\n", "\r\n"];

    [Fact]
    public void Splits_on_top_level_semicolons_only()
    {
        const string script = """
            -- leading comment; not a statement
            CREATE TABLE "a;b" (note text DEFAULT 'x;y');
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$
            BEGIN
                RETURN 1; -- inside; the body
            END;
            $fn$;
            /* trailing /* nested; */ comment; */
            SELECT E'\';' ;
            """;
        var statements = SqlLexer.Split(script);
        Assert.Equal(3, statements.Count);
        Assert.StartsWith("CREATE TABLE \"a;b\"", statements[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("$fn$;", statements[1].Text, StringComparison.Ordinal);
        Assert.Equal("SELECT E'\\';' ;", statements[2].Text);
        Assert.Equal(script.IndexOf("CREATE TABLE", StringComparison.Ordinal), statements[0].Offset);
    }

    [Fact]
    public void A_sql_standard_function_body_keeps_its_semicolons_as_psql_does()
    {
        const string script = """
            CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
                SELECT CASE WHEN a > 0 THEN a ELSE 0 END + b;
                SELECT 1;
            END;
            CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;
            SELECT 2;
            """;
        var statements = SqlLexer.Split(script);
        Assert.Equal(3, statements.Count);
        Assert.EndsWith("END;", statements[0].Text, StringComparison.Ordinal);
        Assert.Equal("SELECT 2;", statements[2].Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("-- only a comment\n-- and another")]
    [InlineData("/* block */\n;\n;")]
    [InlineData("/* unclosed block; SELECT 1;")]
    public void Empty_and_comment_only_scripts_have_no_statement(string script)
    {
        Assert.Empty(SqlLexer.Split(script));
        Assert.True(SqlLexer.IsEmpty(script));
    }

    [Theory]
    [InlineData("CREATE INDEX CONCURRENTLY i ON t (c);", true)]
    [InlineData("create unique index concurrently if not exists i on t (c);", true)]
    [InlineData("DROP INDEX CONCURRENTLY IF EXISTS i;", true)]
    [InlineData("REINDEX INDEX CONCURRENTLY i;", true)]
    [InlineData("REINDEX (VERBOSE) TABLE CONCURRENTLY t;", true)]
    [InlineData("REINDEX DATABASE app;", true)]
    [InlineData("REINDEX TABLE t;", false)]
    [InlineData("VACUUM ANALYZE t;", true)]
    [InlineData("CREATE DATABASE x;", true)]
    [InlineData("DROP TABLESPACE x;", true)]
    [InlineData("ALTER SYSTEM SET work_mem = '64MB';", true)]
    [InlineData("ALTER TABLE p DETACH PARTITION c CONCURRENTLY;", true)]
    [InlineData("REFRESH MATERIALIZED VIEW CONCURRENTLY v;", false)]
    [InlineData("CREATE INDEX i ON t (c);", false)]
    [InlineData("CREATE TABLE concurrently_log (id int);", false)]
    [InlineData("DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY i ON t (c)'; END $$;", false)]
    [InlineData("COMMENT ON TABLE t IS 'VACUUM; CREATE INDEX CONCURRENTLY';", false)]
    public void Knows_which_statements_cannot_run_in_a_transaction_block(string script, bool expected) =>
        Assert.Equal(expected, Assert.Single(SqlLexer.Split(script)).CannotRunInTransaction);

    [Fact]
    public void Quoted_identifiers_keep_their_case_and_unquoted_ones_fold_to_lower_case()
    {
        var statement = Assert.Single(SqlLexer.Split("CREATE INDEX CONCURRENTLY IF NOT EXISTS Users_Email ON \"Users\" (\"E\"\"mail\");"));
        Assert.Contains("users_email", statement.Identifiers);
        Assert.Contains("Users", statement.Identifiers);
        Assert.Contains("E\"mail", statement.Identifiers);
    }

    [Theory]
    [InlineData("abc", 0, 1, 1)]
    [InlineData("a\nbc", 3, 2, 2)]
    [InlineData("a\n\nxyz", 5, 3, 3)]
    public void Maps_offsets_to_lines_and_columns(string text, int offset, int line, int column) =>
        Assert.Equal((line, column), SqlLexer.LineAndColumn(text, offset));

    /// <summary>
    /// Property: for scripts generated from statements made of tricky pieces (strings, quoted identifiers, dollar
    /// quotes, nested comments holding semicolons) joined by separators, the lexer finds exactly the statements that
    /// were put in, at their offsets. 2,000 seeded cases.
    /// </summary>
    [Fact]
    public void Generated_scripts_split_back_into_the_statements_they_were_made_of()
    {
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var script = new StringBuilder();
            var expected = new List<(int Offset, string Text)>();
            script.Append(Separators[random.Next(Separators.Length)]);
            var count = random.Next(0, 6);
            for (var s = 0; s < count; s++)
            {
                var statement = new StringBuilder(Plain[random.Next(Plain.Length)]);
                var pieces = random.Next(1, 6);
                for (var p = 0; p < pieces; p++)
                {
                    statement.Append(' ');
                    statement.Append(random.Next(3) == 0 ? Plain[random.Next(Plain.Length)] : Tricky[random.Next(Tricky.Length)]);
                }

                // A trailing line comment must end before the semicolon's line.
                statement.Append(' ').Append(Plain[random.Next(Plain.Length)]).Append(';');
                expected.Add((script.Length, statement.ToString()));
                script.Append(statement);
                script.Append(Separators[random.Next(Separators.Length)]);
            }

            var text = script.ToString();
            var actual = SqlLexer.Split(text);
            Assert.True(expected.Count == actual.Count, $"seed {seed}: expected {expected.Count} statements, found {actual.Count} in:\n{text}");
            for (var k = 0; k < expected.Count; k++)
            {
                Assert.True(expected[k].Offset == actual[k].Offset && expected[k].Text == actual[k].Text, $"seed {seed}, statement {k}: expected «{expected[k].Text}» at {expected[k].Offset}, found «{actual[k].Text}» at {actual[k].Offset}");
            }
        }
    }

    /// <summary>Property: whatever the input (random characters from a SQL-ish alphabet), the lexer terminates, and its statements are disjoint, ordered, inside the script and never empty.</summary>
    [Fact]
    public void Arbitrary_input_gives_ordered_disjoint_statements()
    {
        const string alphabet = "ab $;'\"\\-/*()\nE&U_1";
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var text = new string([.. Enumerable.Range(0, random.Next(0, 80)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var statements = SqlLexer.Split(text);
            var previousEnd = 0;
            foreach (var statement in statements)
            {
                Assert.True(statement.Offset >= previousEnd, $"seed {seed}");
                Assert.Equal(statement.Text, text.Substring(statement.Offset, statement.Text.Length));
                Assert.NotEqual(";", statement.Text.Trim());
                previousEnd = statement.Offset + statement.Text.Length;
            }
        }
    }
}
