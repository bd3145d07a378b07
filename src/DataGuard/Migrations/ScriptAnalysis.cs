using System.Text;
using System.Text.RegularExpressions;

namespace DataGuard.Migrations;

/// <summary>What a script does that changes how it must run: its own <c>BEGIN</c>/<c>COMMIT</c>, outside comments, strings and dollar-quoted bodies.</summary>
internal static partial class ScriptAnalysis
{
    /// <summary>Whether the script manages its own transaction (a top-level <c>BEGIN</c> or <c>START TRANSACTION</c> and a <c>COMMIT</c>).</summary>
    /// <param name="script">The script.</param>
    /// <returns>Whether it must run without an outer transaction.</returns>
    public static bool ManagesOwnTransaction(string script)
    {
        var code = StripCommentsAndQuotes(script ?? string.Empty);
        return BeginPattern().IsMatch(code) && CommitPattern().IsMatch(code);
    }

    /// <summary>Removes comments, string literals and dollar-quoted bodies, keeping the top-level statements.</summary>
    /// <param name="script">The script.</param>
    /// <returns>The top-level code.</returns>
    public static string StripCommentsAndQuotes(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var result = new StringBuilder(script.Length);
        var i = 0;
        while (i < script.Length)
        {
            var c = script[i];
            if (c == '-' && i + 1 < script.Length && script[i + 1] == '-')
            {
                i = script.IndexOf('\n', i) is var end and >= 0 ? end : script.Length;
            }
            else if (c == '/' && i + 1 < script.Length && script[i + 1] == '*')
            {
                i = script.IndexOf("*/", i + 2, StringComparison.Ordinal) is var end and >= 0 ? end + 2 : script.Length;
            }
            else if (c == '\'')
            {
                i++;
                while (i < script.Length && !(script[i] == '\'' && (i + 1 >= script.Length || script[i + 1] != '\'')))
                {
                    i += script[i] == '\'' ? 2 : 1;
                }

                i++;
            }
            else if (c == '$' && DollarTag().Match(script, i) is { Success: true } tag && tag.Index == i)
            {
                var close = script.IndexOf(tag.Value, i + tag.Length, StringComparison.Ordinal);
                i = close < 0 ? script.Length : close + tag.Length;
                result.Append(' ');
            }
            else
            {
                result.Append(c);
                i++;
            }
        }

        return result.ToString();
    }

    [GeneratedRegex(@"(?im)(^|;)\s*(BEGIN|START\s+TRANSACTION)\b[^;]*;")]
    private static partial Regex BeginPattern();

    [GeneratedRegex(@"(?im)(^|;)\s*(COMMIT|END)\b[^;]*;")]
    private static partial Regex CommitPattern();

    [GeneratedRegex(@"\$[A-Za-z_]*\$")]
    private static partial Regex DollarTag();
}
