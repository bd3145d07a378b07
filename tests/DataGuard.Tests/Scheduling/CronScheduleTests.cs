using DataGuard.Scheduling;

namespace DataGuard.Tests.Scheduling;

public class CronScheduleTests
{
    [Fact]
    public void Next_occurrence_of_a_daily_schedule_is_the_next_day_at_that_hour()
    {
        var schedule = CronSchedule.Parse("0 3 * * *", "UTC");
        var next = schedule.GetNextOccurrence(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 3, 0, 0, TimeSpan.Zero), next);
    }

    [Fact]
    public void Schedules_are_read_in_their_time_zone()
    {
        var schedule = CronSchedule.Parse("0 3 * * *", "Europe/Berlin");
        var next = schedule.GetNextOccurrence(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 2, 0, 0, TimeSpan.Zero), next!.Value.ToUniversalTime());
    }

    [Fact]
    public void Six_fields_mean_seconds_first() =>
        Assert.Equal(
            new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero),
            CronSchedule.Parse("30 * * * * *", "UTC").GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

    [Theory]
    [InlineData("nonsense")]
    [InlineData("* * *")]
    [InlineData("0 25 * * *")]
    public void Invalid_expressions_say_what_was_expected(string expression)
    {
        var ex = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression, "UTC"));
        Assert.Contains(expression, ex.Message);
        Assert.Contains("five fields", ex.Message);
    }
}
