using DataGuard.Postgres.Pitr;

namespace DataGuard.Tests.Postgres;

public class CloneIsolationTests
{
    [Theory]
    [InlineData("pg_cron", "")]
    [InlineData("pg_stat_statements, pg_cron", "pg_stat_statements")]
    [InlineData("pg_cron,pg_stat_statements,auto_explain", "pg_stat_statements, auto_explain")]
    [InlineData("\"pg_cron\", timescaledb", "timescaledb")]
    [InlineData("$libdir/pg_cron, pgaudit", "pgaudit")]
    [InlineData("PG_CRON.so", "")]
    public void Job_schedulers_are_left_out_of_the_preloaded_libraries(string libraries, string expected) =>
        Assert.Equal(expected, CloneIsolation.WithoutSchedulers(libraries));

    [Theory]
    [InlineData("")]
    [InlineData("pg_stat_statements")]
    [InlineData("pg_stat_statements,  auto_explain")]
    [InlineData("pg_cronish")]
    public void Lists_without_a_scheduler_are_kept_exactly(string libraries) =>
        Assert.Equal(libraries, CloneIsolation.WithoutSchedulers(libraries));

    [Fact]
    public void A_recovery_log_is_summed_up_by_the_fetch_failure_and_the_FATAL_line_else_its_last_lines()
    {
        string[] log = ["LOG:  restored log file \"000000010000000000000003\" from archive", "dataguard: wal fetch 000000010000000000000004 FAILED (exit 200: recovery must not end here): 503 SlowDown", "FATAL:  could not restore file \"000000010000000000000004\" from archive: child process exited with exit code 200", "LOG:  startup process (PID 12) exited with exit code 1"];
        Assert.Equal($"{log[1]} | {log[2]}", RecoveringServer.Why(log));
        Assert.Equal("a | b", RecoveringServer.Why(["a", "b"]));
    }
}
