using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DataGuard.Export;

/// <summary>How export values look as text (CSV cells, PDF) and as JSON: invariant culture, ISO 8601 (UTC with <c>Z</c> for time-zone-aware values), base64 for bytes.</summary>
internal static class ExportValues
{
    /// <summary>The ISO 8601 form of an instant, in UTC.</summary>
    /// <param name="value">The instant.</param>
    /// <returns>For example <c>2026-11-27T08:15:00.123Z</c>.</returns>
    public static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>The ISO 8601 form of a date and time: with <c>Z</c> when it is UTC, without an offset when unspecified (a <c>timestamp without time zone</c>).</summary>
    /// <param name="value">The date and time.</param>
    /// <returns>The text.</returns>
    public static string Iso(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateTimeKind.Local => Iso(new DateTimeOffset(value)),
        _ => value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
    };

    /// <summary>The text of a value (<see langword="null"/> stays <see langword="null"/>).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string? ToText(object? value) => value switch
    {
        null or DBNull => null,
        string s => s,
        bool b => b ? "true" : "false",
        DateTimeOffset d => Iso(d),
        DateTime d => Iso(d),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        JsonText json => json.Json,
        Array array => ArrayJson(array),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Writes a value as JSON, keeping its type: numbers, booleans, null, ISO 8601 strings, embedded JSON, base64, arrays.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value)
        {
            case null or DBNull: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case short n: writer.WriteNumberValue(n); break;
            case int n: writer.WriteNumberValue(n); break;
            case long n: writer.WriteNumberValue(n); break;
            case decimal n: writer.WriteNumberValue(n); break;
            case double n when double.IsFinite(n): writer.WriteNumberValue(n); break;
            case float n when float.IsFinite(n): writer.WriteNumberValue(n); break;
            case DateTimeOffset d: writer.WriteStringValue(Iso(d)); break;
            case DateTime d: writer.WriteStringValue(Iso(d)); break;
            case Guid g: writer.WriteStringValue(g); break;
            case byte[] bytes: writer.WriteBase64StringValue(bytes); break;
            case JsonText json: writer.WriteRawValue(json.Json, skipInputValidation: true); break;
            case Array array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(ToText(value)); break;
        }
    }

    private static string ArrayJson(Array array)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer, array);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
