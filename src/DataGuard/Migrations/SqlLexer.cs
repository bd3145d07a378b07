namespace DataGuard.Migrations;

/// <summary>
/// Splits a PostgreSQL script into its top-level statements the way psql does: never inside a string (<c>'...'</c>
/// with <c>''</c>, <c>E'...'</c> with backslash escapes, <c>U&amp;'...'</c>, <c>B'...'</c>, <c>X'...'</c>), a quoted
/// identifier (<c>"..."</c>), a dollar-quoted body (<c>$$...$$</c>, <c>$tag$...$tag$</c>), a line comment, a (nested)
/// block comment, parentheses, or a SQL-standard function body (<c>CREATE FUNCTION ... BEGIN ATOMIC ... END</c>).
/// </summary>
internal static class SqlLexer
{
    /// <summary>The top-level statements of a script, in order; comments and whitespace between statements belong to none, and empty statements are skipped.</summary>
    /// <param name="script">The script.</param>
    /// <returns>The statements with their offsets in the script.</returns>
    public static IReadOnlyList<SqlStatement> Split(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var statements = new List<SqlStatement>();
        var state = new StatementState();
        var i = 0;
        while (i < script.Length)
        {
            var c = script[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '-' && Next(script, i) == '-')
            {
                i = script.IndexOf('\n', i) is var end and >= 0 ? end + 1 : script.Length;
                continue;
            }

            if (c == '/' && Next(script, i) == '*')
            {
                i = SkipBlockComment(script, i);
                continue;
            }

            if (c == ';' && state.ParenDepth <= 0 && state.BeginDepth <= 0)
            {
                if (state.Start >= 0)
                {
                    statements.Add(state.ToStatement(script, i + 1));
                }

                state = new StatementState();
                i++;
                continue;
            }

            if (state.Start < 0)
            {
                state.Start = start;
            }

            i = LexToken(script, i, state);
            state.End = i;
        }

        if (state.Start >= 0)
        {
            statements.Add(state.ToStatement(script, state.End));
        }

        return statements;
    }

    /// <summary>Whether a script has no statement at all (empty, blank, or only comments and semicolons).</summary>
    /// <param name="script">The script.</param>
    /// <returns>True when running it would do nothing.</returns>
    public static bool IsEmpty(string? script) => script is null || Split(script).Count == 0;

    /// <summary>The 1-based line and column of an offset in a text (a tab counts as one column).</summary>
    /// <param name="text">The text.</param>
    /// <param name="offset">The 0-based offset.</param>
    /// <returns>The line and column.</returns>
    public static (int Line, int Column) LineAndColumn(string text, int offset)
    {
        ArgumentNullException.ThrowIfNull(text);
        offset = Math.Clamp(offset, 0, text.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }

    private static char Next(string s, int i) => i + 1 < s.Length ? s[i + 1] : '\0';

    private static bool IsIdentStart(char c) => char.IsLetter(c) || c == '_' || c > '\u007f';

    private static bool IsIdentPart(char c) => IsIdentStart(c) || char.IsDigit(c) || c == '$';

    private static int SkipBlockComment(string s, int i)
    {
        var depth = 0;
        while (i < s.Length)
        {
            if (s[i] == '/' && Next(s, i) == '*')
            {
                depth++;
                i += 2;
            }
            else if (s[i] == '*' && Next(s, i) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return s.Length;
    }

    /// <summary>Lexes one token at <paramref name="i"/> (not whitespace, a comment or a top-level semicolon) and returns the offset after it.</summary>
    private static int LexToken(string s, int i, StatementState state)
    {
        var c = s[i];
        switch (c)
        {
            case '\'':
                state.HasLiteral = true;
                return SkipQuoted(s, i + 1, '\'', backslashEscapes: false);
            case '"':
                var close = SkipQuoted(s, i + 1, '"', backslashEscapes: false);
                state.AddIdentifier(s[(i + 1)..Math.Max(i + 1, close - 1)].Replace("\"\"", "\"", StringComparison.Ordinal), quoted: true);
                return close;
            case '(':
                state.ParenDepth++;
                return i + 1;
            case ')':
                state.ParenDepth--;
                return i + 1;
            case '$' when DollarTagLength(s, i) is var tag and > 0:
                var delimiter = s.Substring(i, tag);
                var end = s.IndexOf(delimiter, i + tag, StringComparison.Ordinal);
                state.HasLiteral = true;
                return end < 0 ? s.Length : end + tag;
            default:
                break;
        }

        if ((c is 'E' or 'e') && Next(s, i) == '\'')
        {
            state.HasLiteral = true;
            return SkipQuoted(s, i + 2, '\'', backslashEscapes: true);
        }

        if ((c is 'U' or 'u') && Next(s, i) == '&' && i + 2 < s.Length && s[i + 2] is '\'' or '"')
        {
            var quote = s[i + 2];
            var after = SkipQuoted(s, i + 3, quote, backslashEscapes: false);
            if (quote == '"')
            {
                state.AddIdentifier(s[(i + 3)..Math.Max(i + 3, after - 1)], quoted: true);
            }

            return after;
        }

        if ((c is 'B' or 'b' or 'X' or 'x' or 'N' or 'n') && Next(s, i) == '\'')
        {
            state.HasLiteral = true;
            return SkipQuoted(s, i + 2, '\'', backslashEscapes: false);
        }

        if (IsIdentStart(c))
        {
            var j = i + 1;
            while (j < s.Length && IsIdentPart(s[j]))
            {
                j++;
            }

            state.AddWord(s[i..j]);
            return j;
        }

        if (char.IsDigit(c))
        {
            var j = i + 1;
            while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] is '.' or '_'))
            {
                j++;
            }

            return j;
        }

        return i + 1;
    }

    /// <summary>Skips to just after the closing quote; a doubled quote is part of the text, and with backslash escapes so is <c>\x</c>.</summary>
    private static int SkipQuoted(string s, int i, char quote, bool backslashEscapes)
    {
        while (i < s.Length)
        {
            if (backslashEscapes && s[i] == '\\')
            {
                i += 2;
            }
            else if (s[i] == quote)
            {
                if (Next(s, i) == quote)
                {
                    i += 2;
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }

        return s.Length;
    }

    /// <summary>The length of a dollar-quote delimiter (<c>$$</c> or <c>$tag$</c>) at <paramref name="i"/>, or 0 (a parameter such as <c>$1</c>, or a <c>$</c> inside an identifier).</summary>
    private static int DollarTagLength(string s, int i)
    {
        if (i > 0 && IsIdentPart(s[i - 1]))
        {
            return 0;
        }

        var j = i + 1;
        if (j < s.Length && s[j] == '$')
        {
            return 2;
        }

        if (j >= s.Length || !IsIdentStart(s[j]))
        {
            return 0;
        }

        while (j < s.Length && (IsIdentStart(s[j]) || char.IsDigit(s[j])))
        {
            j++;
        }

        return j < s.Length && s[j] == '$' ? j - i + 1 : 0;
    }

    /// <summary>What the lexer knows of the statement being read.</summary>
    private sealed class StatementState
    {
        private readonly List<string> _words = [];
        private readonly List<string> _identifiers = [];

        public int Start { get; set; } = -1;

        public int End { get; set; }

        public int ParenDepth { get; set; }

        public int BeginDepth { get; private set; }

        public bool HasLiteral { get; set; }

        public void AddWord(string word)
        {
            var upper = word.ToUpperInvariant();

            // psql's heuristic: in CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN (ATOMIC) ... END may hold semicolons.
            if (ParenDepth == 0 && IsRoutine())
            {
                if (upper == "BEGIN")
                {
                    BeginDepth++;
                }
                else if (upper == "CASE" && BeginDepth > 0)
                {
                    BeginDepth++;
                }
                else if (upper == "END" && BeginDepth > 0)
                {
                    BeginDepth--;
                }
            }

            _words.Add(upper);
            AddIdentifier(word.ToLowerInvariant(), quoted: false);
        }

        public void AddIdentifier(string name, bool quoted)
        {
            _identifiers.Add(name);
            if (quoted)
            {
                _words.Add("\"");
            }
        }

        public SqlStatement ToStatement(string script, int end) =>
            new(Start, script[Start..end], _words, _identifiers);

        private bool IsRoutine() =>
            _words.Count >= 2 && _words[0] == "CREATE"
            && (_words[1] is "FUNCTION" or "PROCEDURE"
                || (_words.Count >= 4 && _words[1] == "OR" && _words[2] == "REPLACE" && _words[3] is "FUNCTION" or "PROCEDURE"));
    }
}
