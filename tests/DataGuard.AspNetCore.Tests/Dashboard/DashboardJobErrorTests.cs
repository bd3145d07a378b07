using DataGuard.AspNetCore.Dashboard;

namespace DataGuard.AspNetCore.Tests.Dashboard;

public sealed class DashboardJobErrorTests
{
    [Theory]
    [InlineData("No subject public.users.id = '42'; nothing was exported.", "42", "No subject public.users.id = '(subject)'; nothing was exported.")]
    [InlineData("invalid input syntax for type uuid: \"A1B2\"", "A1B2", "invalid input syntax for type uuid: \"(subject)\"")]
    [InlineData("22P02: invalid input syntax for type integer: \"1\" (subject '1')", "1", "22P02: invalid input syntax for type integer: \"(subject)\" (subject '(subject)')")]
    [InlineData("worker stopped", "1", "worker stopped")]
    public void A_failed_jobs_error_on_the_dashboard_quotes_no_subject_key(string error, string subject, string shown)
    {
        // Found in review: the exports page says "subjects are not shown" but printed the worker's error, which quotes the key.
        Assert.Equal(shown, DashboardData.WithoutSubject(error, subject));
    }

    [Fact]
    public void No_error_stays_no_error() => Assert.Null(DashboardData.WithoutSubject(null, "1"));
}
