using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataGuard.Backup.Encryption;

/// <summary>
/// The JSON Canonicalization Scheme (RFC 8785): members sorted by name (UTF-16 code units), no whitespace, strings
/// escaped as ECMAScript's JSON.stringify does, numbers as IEEE doubles in ECMAScript's shortest form. The bytes a
/// manifest's MAC covers; <c>JSON.stringify</c> with sorted keys in node, or any RFC 8785 library, produces the same.
/// </summary>
internal static class JsonCanonicalizer
{
    public static byte[] Canonicalize(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    internal static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new JsonException("A canonical JSON number must be finite.");
        }

        if (value == 0)
        {
            return "0";
        }

        // Shortest round-trip digits and the exponent n such that value = 0.d1d2...dk × 10^n (ECMAScript Number::toString).
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? shortest : shortest[..e];
        var exponent = e < 0 ? 0 : int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var n = (point < 0 ? mantissa.Length : point) + exponent;
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        n -= leading;
        var k = digits.Length;
        string text;
        if (k <= n && n <= 21)
        {
            text = digits + new string('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            text = $"{digits[..n]}.{digits[n..]}";
        }
        else if (-6 < n && n <= 0)
        {
            text = $"0.{new string('0', -n)}{digits}";
        }
        else
        {
            var power = n - 1;
            var sign = power < 0 ? '-' : '+';
            var abs = Math.Abs(power).ToString(CultureInfo.InvariantCulture);
            text = k == 1 ? $"{digits}e{sign}{abs}" : $"{digits[0]}.{digits[1..]}e{sign}{abs}";
        }

        return value < 0 ? "-" + text : text;
    }

    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(first ? string.Empty : ",");
                    first = false;
                    WriteString(name, text);
                    text.Append(':');
                    Write(value, text);
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    text.Append(i == 0 ? string.Empty : ",");
                    Write(array[i], text);
                }

                text.Append(']');
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        WriteString(value.TryGetValue<string>(out var s) ? s : JsonNode.Parse(value.ToJsonString())!.GetValue<string>(), text);
                        break;
                    case JsonValueKind.Number:
                        // Numbers are IEEE doubles (RFC 8785), whatever CLR type a node built in code holds.
                        text.Append(FormatNumber(double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)));
                        break;
                    case JsonValueKind.True:
                        text.Append("true");
                        break;
                    case JsonValueKind.False:
                        text.Append("false");
                        break;
                    default:
                        text.Append("null");
                        break;
                }

                break;
        }
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case < ' ':
                    text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }
}
