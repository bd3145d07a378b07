using System.Globalization;
using System.Text;
using System.Text.Json;
using DataGuard.Export;
using DataGuard.Tests.Backup;

namespace DataGuard.Tests.Export;

/// <summary>
/// A JSON value in a PDF is re-indented through compile-time JSON metadata (no reflection, for trimmed and native AOT
/// builds): the text must be what the reflection serializer made of it before (<see cref="LegacyJson.PdfIndented"/>),
/// on values this test generates, localized or not.
/// </summary>
public class PdfValuesJsonTests
{
    [Fact]
    public void Generated_JSON_values_read_as_before()
    {
        var plain = new PdfValues(null, null);
        var localized = new PdfValues(CultureInfo.GetCultureInfo("de-DE"), TimeZoneInfo.Utc);
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var json = Value(random, depth: 0);
            var before = Before(json);
            Assert.Equal(before, plain.ToText(new JsonText(json)));
            Assert.Equal(before, localized.ToText(new JsonText(json)));
        }
    }

    /// <summary>What PdfValues.Pretty returned before, with the reflection serializer.</summary>
    private static string Before(string json)
    {
        if (json.Length > 100_000)
        {
            return json;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array && json.Length > 60
                ? JsonSerializer.Serialize(document.RootElement, LegacyJson.PdfIndented)
                : json;
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static string Value(Random random, int depth)
    {
        switch (random.Next(depth == 0 ? 2 : 8))
        {
            case 0:
                return "{" + string.Join(random.Next(2) == 0 ? "," : ", ", Enumerable.Range(0, random.Next(0, 5)).Select(_ => $"{Quoted(random)}: {Value(random, depth + 1)}")) + "}";
            case 1:
                return "[" + string.Join(random.Next(2) == 0 ? "," : " ,\n ", Enumerable.Range(0, random.Next(0, 5)).Select(_ => Value(random, depth + 1))) + "]";
            case 2:
                return Quoted(random);
            case 3:
                string[] numbers = ["0", "-0", "1.50", "1e400", "-12345678901234567890123", "3.14159", "1E-7", "42"];
                return numbers[random.Next(numbers.Length)];
            case 4:
                return random.Next(2) == 0 ? "true" : "false";
            case 5:
                return "null";
            default:
                return depth > 4 ? "1" : Value(random, depth + 1);
        }
    }

    /// <summary>A JSON string, escaped in the ways a database may write one.</summary>
    private static string Quoted(Random random)
    {
        var text = ManifestJsonContextTests.Text(random);
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => random.Next(2) == 0 ? "\\t" : "\\u0009",
                < ' ' or '\u007f' => $"\\u{(int)c:x4}",
                'é' when random.Next(2) == 0 => "\\u00e9",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
