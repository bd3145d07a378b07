using Cronos;

namespace DataGuard.Scheduling;

/// <summary>A cron schedule in a time zone, parsed once; the next occurrence is computed from a <see cref="TimeProvider"/>'s time.</summary>
internal sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(string text, CronExpression expression, TimeZoneInfo timeZone)
    {
        Text = text;
        _expression = expression;
        TimeZone = timeZone;
    }

    /// <summary>Gets the cron expression as configured.</summary>
    public string Text { get; }

    /// <summary>Gets the time zone the expression is read in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Parses a five-field cron expression (or six with seconds) in a time zone.</summary>
    /// <param name="expression">The cron expression.</param>
    /// <param name="timeZoneId">The time zone id (IANA or Windows).</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="FormatException">The expression or the time zone is not valid; the message says why.</exception>
    public static CronSchedule Parse(string expression, string timeZoneId)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        CronExpression parsed;
        try
        {
            parsed = CronExpression.Parse(expression, format);
        }
        catch (CronFormatException ex)
        {
            throw new FormatException($"'{expression}' is not a valid cron expression ({ex.Message}); expected five fields: minute hour day-of-month month day-of-week.", ex);
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"'{timeZoneId}' is not a known time zone id.", ex);
        }

        return new CronSchedule(expression, parsed, zone);
    }

    /// <summary>Gets the first occurrence strictly after <paramref name="after"/>, or <see langword="null"/> when there is none.</summary>
    /// <param name="after">The instant to start from.</param>
    /// <returns>The next occurrence, in UTC.</returns>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after, TimeZone, inclusive: false);
}
