using System.Globalization;
using System.Text;

namespace DataGuard.Export;

/// <summary>Names for people: configured display names (<see cref="PdfExportOptions.Tables"/>), else readable forms of the database names (<c>invoice_line</c> reads "Invoice lines", <c>created_at</c> "Created at").</summary>
internal static class PdfNames
{
    private static readonly HashSet<string> Uncountable = new(StringComparer.OrdinalIgnoreCase) { "data", "info", "information", "history", "metadata", "media", "feedback", "staff", "news", "equipment", "software", "consent", "access", "people", "children" };
    private static readonly HashSet<string> Acronyms = new(StringComparer.OrdinalIgnoreCase) { "id", "url", "uri", "ip", "uuid", "api", "sku", "vat", "iban", "bic", "pdf", "sms", "otp", "utc", "json", "csv", "isbn", "ssn" };

    /// <summary>The settings of a table: by <c>schema.table</c>, else by the table's name alone.</summary>
    /// <param name="options">The PDF options.</param>
    /// <param name="table">The table, <c>schema.table</c>.</param>
    /// <returns>The settings, or <see langword="null"/>.</returns>
    public static PdfTableOptions? Settings(PdfExportOptions options, string table) =>
        options.Tables.TryGetValue(table, out var exact) ? exact : options.Tables.GetValueOrDefault(Bare(table));

    /// <summary>A table's name for people.</summary>
    /// <param name="options">The PDF options.</param>
    /// <param name="table">The table, <c>schema.table</c>.</param>
    /// <returns>For example "Invoice lines", or "Orders (billing)" outside the public schema.</returns>
    public static string Table(PdfExportOptions options, string table)
    {
        if (Settings(options, table)?.DisplayName is { Length: > 0 } configured)
        {
            return configured;
        }

        var words = Words(Bare(table));
        if (words.Count == 0)
        {
            return table;
        }

        words[^1] = Plural(words[^1]);
        var name = Sentence(words);
        var dot = table.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && table[..dot] is var schema && schema != "public" ? $"{name} ({schema})" : name;
    }

    /// <summary>A column's name for people.</summary>
    /// <param name="options">The PDF options.</param>
    /// <param name="table">The table, <c>schema.table</c>.</param>
    /// <param name="column">The column.</param>
    /// <returns>For example "Created at" or "Customer ID".</returns>
    public static string Column(PdfExportOptions options, string table, string column)
    {
        if (Settings(options, table)?.Columns.GetValueOrDefault(column) is { Length: > 0 } configured)
        {
            return configured;
        }

        var words = Words(column);
        return words.Count == 0 ? column : Sentence(words);
    }

    /// <summary>A table's name in the singular, for a card's caption ("Invoice line 3").</summary>
    /// <param name="options">The PDF options.</param>
    /// <param name="table">The table.</param>
    /// <returns>The caption's stem.</returns>
    public static string Row(PdfExportOptions options, string table)
    {
        if (Settings(options, table)?.DisplayName is { Length: > 0 } configured)
        {
            return configured;
        }

        var words = Words(Bare(table));
        return words.Count == 0 ? table : Sentence(words);
    }

    private static string Bare(string table) => table[(table.IndexOf('.', StringComparison.Ordinal) + 1)..];

    /// <summary>The words of a name: split at <c>_</c>, <c>-</c>, spaces and lower-to-upper case changes.</summary>
    private static List<string> Words(string name)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c is '_' or '-' or ' ' or '.')
            {
                Flush();
                continue;
            }

            if (char.IsUpper(c) && word.Length > 0 && char.IsLower(word[^1]))
            {
                Flush();
            }

            word.Append(c);
        }

        Flush();
        return words;

        void Flush()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
    }

    private static string Sentence(List<string> words)
    {
        var parts = words.Select((w, i) => Acronyms.Contains(w) ? w.ToUpperInvariant() : i == 0 ? w : w.ToLowerInvariant()).ToList();
        var first = parts[0];
        parts[0] = Acronyms.Contains(first) ? first : char.ToUpper(first[0], CultureInfo.InvariantCulture) + first[1..].ToLowerInvariant();
        return string.Join(' ', parts);
    }

    private static string Plural(string word)
    {
        var lower = word.ToLowerInvariant();
        if (lower.EndsWith("ss", StringComparison.Ordinal))
        {
            return word + "es";
        }

        if (Uncountable.Contains(lower) || lower.EndsWith('s') || !lower.All(char.IsAsciiLetter))
        {
            return word;
        }

        if (lower.EndsWith('y') && lower.Length > 1 && !"aeiou".Contains(lower[^2], StringComparison.Ordinal))
        {
            return word[..^1] + "ies";
        }

        return lower.EndsWith('x') || lower.EndsWith("ch", StringComparison.Ordinal) || lower.EndsWith("sh", StringComparison.Ordinal) || lower.EndsWith('z') ? word + "es" : word + "s";
    }
}
