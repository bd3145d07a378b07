using DataGuard.Postgres;

namespace DataGuard.Tests.Postgres;

/// <summary>SQL quoting: every identifier and literal DataGuard builds into SQL text goes through these.</summary>
public class PgIdentifiersTests
{
    [Theory]
    [InlineData("users", "\"users\"")]
    [InlineData("Users", "\"Users\"")]
    [InlineData("my table", "\"my table\"")]
    [InlineData("my \"table\"", "\"my \"\"table\"\"\"")]
    [InlineData("\"", "\"\"\"\"")]
    [InlineData("", "\"\"")]
    [InlineData("a.b", "\"a.b\"")]
    [InlineData("x\"; DROP TABLE t; --", "\"x\"\"; DROP TABLE t; --\"")]
    [InlineData("it's", "\"it's\"")]
    [InlineData(@"back\slash", "\"back\\slash\"")]
    [InlineData("ünïcødé", "\"ünïcødé\"")]
    public void Quote_wraps_in_double_quotes_and_doubles_embedded_ones(string identifier, string expected) =>
        Assert.Equal(expected, PgIdentifiers.Quote(identifier));

    [Fact]
    public void Quote_refuses_null() => Assert.Throws<ArgumentNullException>(() => PgIdentifiers.Quote(null!));

    [Theory]
    [InlineData("public", "users", "\"public\".\"users\"")]
    [InlineData("My Schema", "a\"b", "\"My Schema\".\"a\"\"b\"")]
    [InlineData("s.x", "t.y", "\"s.x\".\"t.y\"")]
    public void QuoteQualified_quotes_each_part_on_its_own(string schema, string table, string expected) =>
        Assert.Equal(expected, PgIdentifiers.QuoteQualified(schema, table));

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("", "''")]
    [InlineData("it's", "'it''s'")]
    [InlineData("''", "''''''")]
    [InlineData("x'; DROP TABLE t; --", "'x''; DROP TABLE t; --'")]
    [InlineData("double \"quotes\"", "'double \"quotes\"'")]
    [InlineData("$$dollar$$", "'$$dollar$$'")]
    public void Literal_without_backslashes_is_a_standard_string_with_quotes_doubled(string value, string expected) =>
        Assert.Equal(expected, PgIdentifiers.Literal(value));

    [Theory]
    [InlineData(@"a\b", @"E'a\\b'")]
    [InlineData(@"\", @"E'\\'")]
    [InlineData(@"C:\dir\it's", @"E'C:\\dir\\it''s'")]
    [InlineData(@"\'", @"E'\\'''")]
    [InlineData(@"end\", @"E'end\\'")]
    public void Literal_with_backslashes_is_an_escape_string_so_it_means_the_same_under_either_standard_conforming_strings(string value, string expected) =>
        Assert.Equal(expected, PgIdentifiers.Literal(value));

    [Theory]
    [InlineData("plain")]
    [InlineData("it's")]
    [InlineData(@"a\b")]
    [InlineData(@"\'")]
    [InlineData(@"x\'); DROP TABLE t; --")]
    public void A_literal_never_ends_early(string value)
    {
        // Read the literal back the way PostgreSQL does (escape strings: backslash escapes; both: '' is one quote)
        // and check that it ends exactly at the last character with the original text inside.
        var literal = PgIdentifiers.Literal(value);
        var escape = literal.StartsWith("E'", StringComparison.Ordinal);
        var i = escape ? 2 : 1;
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var c = literal[i];
            if (escape && c == '\\')
            {
                text.Append(literal[i + 1]);
                i += 2;
            }
            else if (c == '\'' && i + 1 < literal.Length && literal[i + 1] == '\'')
            {
                text.Append('\'');
                i += 2;
            }
            else if (c == '\'')
            {
                break;
            }
            else
            {
                text.Append(c);
                i++;
            }
        }

        Assert.Equal(literal.Length - 1, i);
        Assert.Equal(value, text.ToString());
    }

    [Fact]
    public void Literal_refuses_null() => Assert.Throws<ArgumentNullException>(() => PgIdentifiers.Literal(null!));

    [Theory]
    [InlineData("on", "'on'")]
    [InlineData("", "''")]
    [InlineData("cp %p /mnt/it's", "'cp %p /mnt/it''s'")]
    [InlineData(@"cp %p /mnt/a\b", @"'cp %p /mnt/a\\b'")]
    [InlineData(@"\'", @"'\\'''")]
    public void ConfValue_doubles_backslashes_and_single_quotes(string value, string expected) =>
        Assert.Equal(expected, PgIdentifiers.ConfValue(value));

    [Fact]
    public void ConfValue_refuses_null() => Assert.Throws<ArgumentNullException>(() => PgIdentifiers.ConfValue(null!));

    [Theory]
    [InlineData("public.users", "public", "users")]
    [InlineData("a.b.c", "a", "b.c")]
    [InlineData("My Schema.My Table", "My Schema", "My Table")]
    public void SplitQualified_splits_at_the_first_dot(string qualified, string schema, string table) =>
        Assert.Equal((schema, table), PgIdentifiers.SplitQualified(qualified));

    [Theory]
    [InlineData("users")]
    [InlineData(".users")]
    [InlineData("public.")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData(null)]
    public void SplitQualified_returns_null_when_the_name_is_not_schema_dot_table(string? qualified) =>
        Assert.Null(PgIdentifiers.SplitQualified(qualified!));

    [Theory]
    [InlineData("select")]
    [InlineData("user")]
    [InlineData("order")]
    [InlineData("table")]
    public void Reserved_words_are_quoted_like_any_other_name(string word) =>
        Assert.Equal($"\"{word}\"", PgIdentifiers.Quote(word));

    [Fact]
    public void A_name_longer_than_PostgreSQLs_63_bytes_is_quoted_whole_never_cut()
    {
        // PostgreSQL itself truncates identifiers past NAMEDATALEN - 1 (63 bytes): quoting must not cut one short on its
        // own, or in the middle of a multi-byte character.
        var ascii = new string('a', 80);
        Assert.Equal($"\"{ascii}\"", PgIdentifiers.Quote(ascii));
        var unicode = string.Concat(Enumerable.Repeat("é", 40));
        Assert.Equal($"\"{unicode}\"", PgIdentifiers.Quote(unicode));
        Assert.Equal($"\"public\".\"{ascii}\"", PgIdentifiers.QuoteQualified("public", ascii));
    }

    [Theory]
    [InlineData("日本語のテーブル")]
    [InlineData("emoji 🗃️")]
    [InlineData("tab\tand\nnewline")]
    public void Any_character_stays_inside_the_quotes(string identifier)
    {
        var quoted = PgIdentifiers.Quote(identifier);
        Assert.Equal('"', quoted[0]);
        Assert.Equal('"', quoted[^1]);
        Assert.Equal(identifier, quoted[1..^1]);
    }

    [Theory]
    [InlineData("ünïcødé", "'ünïcødé'")]
    [InlineData("line\nbreak", "'line\nbreak'")]
    [InlineData("tab\tand 'quote'", "'tab\tand ''quote'''")]
    public void Literals_keep_unicode_and_control_characters_as_they_are(string value, string expected) =>
        Assert.Equal(expected, PgIdentifiers.Literal(value));
}
