using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace DataGuard.Export;

/// <summary>
/// How values read in a PDF: as <see cref="ExportValues.ToText"/> (ISO 8601, as in the JSON and CSV files) unless a
/// culture or time zone is given; then instants are shown in that zone, with their offset from UTC, and dates, times
/// and numbers in that culture.
/// JSON is indented so that it wraps readably.
/// </summary>
internal sealed class PdfValues
{
    private static readonly JsonTypeInfo<JsonElement> Indented = (JsonTypeInfo<JsonElement>)new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = PdfJsonContext.Default,
    }.GetTypeInfo(typeof(JsonElement));
    private readonly CultureInfo? _culture;
    private readonly TimeZoneInfo? _zone;

    public PdfValues(CultureInfo? culture, TimeZoneInfo? zone)
    {
        _culture = culture is null ? null : Gregorian(culture);
        _zone = zone;
    }

    /// <summary>Gets the time zone instants are shown in, or <see langword="null"/> for UTC in ISO 8601.</summary>
    public TimeZoneInfo? Zone => _zone;

    /// <summary>Gets the culture, or <see langword="null"/> for ISO 8601 and invariant numbers.</summary>
    public CultureInfo? Culture => _culture;

    /// <summary>Whether values are localized.</summary>
    public bool Localized => _culture is not null || _zone is not null;

    /// <summary>The culture and zone of the options, where the subject's own row names none.</summary>
    /// <param name="options">The PDF options.</param>
    /// <param name="culture">The subject's culture, from <see cref="PdfExportOptions.CultureColumn"/>.</param>
    /// <param name="zone">The subject's time zone, from <see cref="PdfExportOptions.TimeZoneColumn"/>.</param>
    /// <returns>The formatter.</returns>
    public static PdfValues Create(PdfExportOptions options, string? culture, string? zone)
    {
        var cultureName = culture is not null && PdfExportOptionsValidator.IsCulture(culture) ? culture : options.Culture;
        var zoneId = zone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _) ? zone : options.TimeZone;
        return new PdfValues(
            cultureName is null ? null : CultureInfo.GetCultureInfo(cultureName),
            zoneId is null ? null : TimeZoneInfo.FindSystemTimeZoneById(zoneId));
    }

    /// <summary>The instant of generation, for the first page and page headers.</summary>
    /// <param name="value">The instant.</param>
    /// <returns>The text.</returns>
    public string Instant(DateTimeOffset value) => Localized ? Local(value) : ExportValues.Iso(value);

    /// <summary>The text of a value (<see langword="null"/> stays <see langword="null"/>).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public string? ToText(object? value)
    {
        if (!Localized)
        {
            return value is JsonText json ? Pretty(json.Json) : ExportValues.ToText(value);
        }

        try
        {
            return Localize(value);
        }
        catch (ArgumentOutOfRangeException)
        {
            // A value the culture's calendar cannot show: as in the JSON and CSV files, never a failed export.
            return value is JsonText json ? Pretty(json.Json) : ExportValues.ToText(value);
        }
    }

    /// <summary>
    /// The culture with the Gregorian calendar: the dates in the PDF are those of the JSON and CSV files (a culture whose
    /// default calendar is UmAlQura, Thai Buddhist or Persian would show other years, or fail outside its range).
    /// </summary>
    private static CultureInfo Gregorian(CultureInfo culture)
    {
        if (culture.Calendar is GregorianCalendar)
        {
            return culture;
        }

        var copy = (CultureInfo)culture.Clone();
        copy.DateTimeFormat.Calendar = new GregorianCalendar();
        return CultureInfo.ReadOnly(copy);
    }

    private string? Localize(object? value)
    {
        var culture = _culture ?? CultureInfo.InvariantCulture;
        return value switch
        {
            DateTimeOffset d => Local(d),
            DateTime { Kind: DateTimeKind.Utc } d => Local(new DateTimeOffset(d)),
            DateTime d => d.ToString(DateTimePattern(d.Ticks), culture),
            DateOnly d => _culture is null ? ExportValues.ToText(d) : d.ToString("d", culture),
            TimeOnly t => _culture is null ? ExportValues.ToText(t) : t.ToString(WithFraction(_culture.DateTimeFormat.LongTimePattern, t.Ticks, _culture), _culture),
            decimal n => _culture is null ? ExportValues.ToText(n) : n.ToString("G", culture),
            double n when double.IsFinite(n) => _culture is null ? ExportValues.ToText(n) : n.ToString("G", culture),
            JsonText json => Pretty(json.Json),
            _ => ExportValues.ToText(value),
        };
    }

    /// <summary>An instant in the zone, with its offset from UTC (the hour repeated when summer time ends reads twice, with two offsets).</summary>
    private string Local(DateTimeOffset value)
    {
        var local = _zone is null ? value.ToUniversalTime() : TimeZoneInfo.ConvertTime(value, _zone);
        var text = local.ToString(DateTimePattern(local.Ticks), _culture ?? CultureInfo.InvariantCulture);
        return $"{text} {Offset(local.Offset)}";
    }

    /// <summary>The pattern of a date and time: ISO 8601 without a culture, else the culture's general (long time) pattern; with the fraction of a second when it is not zero.</summary>
    private string DateTimePattern(long ticks) =>
        _culture is null
            ? WithFraction("yyyy-MM-dd HH:mm:ss", ticks, CultureInfo.InvariantCulture)
            : ticks % TimeSpan.TicksPerSecond == 0 ? "G" : WithFraction(_culture.DateTimeFormat.ShortDatePattern + " " + _culture.DateTimeFormat.LongTimePattern, ticks, _culture);

    /// <summary>
    /// A date or time pattern with the fraction of a second after its seconds (the culture's decimal separator, no
    /// trailing zeros) when the fraction is not zero: two instants a tenth of a second apart read differently, as in
    /// the JSON and CSV files. A pattern without seconds gets the fraction-less pattern.
    /// </summary>
    private static string WithFraction(string pattern, long ticks, CultureInfo culture)
    {
        var fraction = ticks % TimeSpan.TicksPerSecond;
        var seconds = pattern.IndexOf("ss", StringComparison.Ordinal);
        if (fraction == 0 || seconds < 0)
        {
            return pattern;
        }

        var digits = fraction.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        var separator = culture.NumberFormat.NumberDecimalSeparator.Replace("'", string.Empty, StringComparison.Ordinal);
        return string.Concat(pattern.AsSpan(0, seconds + 2), $"'{separator}{digits}'", pattern.AsSpan(seconds + 2));
    }

    /// <summary>An offset from UTC for people: <c>UTC</c>, <c>UTC+01:00</c>, <c>UTC-03:30</c>.</summary>
    private static string Offset(TimeSpan offset) =>
        offset == TimeSpan.Zero ? "UTC" : string.Create(CultureInfo.InvariantCulture, $"UTC{(offset < TimeSpan.Zero ? '-' : '+')}{offset.Duration():hh\\:mm}");

    /// <summary>JSON indented, non-ASCII text left readable; text that does not parse stays as it is.</summary>
    private static string Pretty(string json)
    {
        if (json.Length > 100_000)
        {
            return json;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array && json.Length > 60
                ? JsonSerializer.Serialize(document.RootElement, Indented)
                : json;
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
