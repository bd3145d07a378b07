using DataGuard.Postgres.Tools;

namespace DataGuard.Tests.Postgres;

public class PgToolTests
{
    [Theory]
    [InlineData("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 15, 18)]
    [InlineData("pg_restore (PostgreSQL) 17.2", 17, 2)]
    [InlineData("pg_dump (PostgreSQL) 18beta1", 18, 0)]
    [InlineData("pg_dump (PostgreSQL) 9.6.24", 9, 6)]
    public void Parses_tool_versions(string output, int major, int minor) =>
        Assert.Equal(new Version(major, minor), PgToolLocator.ParseVersion(output));

    [Fact]
    public void Returns_null_for_text_without_a_version() => Assert.Null(PgToolLocator.ParseVersion("command not found"));

    [Fact]
    public void A_tool_older_than_the_server_is_incompatible_and_both_versions_are_named()
    {
        var tool = new PgTool("pg_dump", "/opt/pg14/bin/pg_dump", new Version(14, 9));
        var problem = tool.IncompatibilityWith(new Version(16, 2));
        Assert.NotNull(problem);
        Assert.Contains("pg_dump 14.9", problem);
        Assert.Contains("PostgreSQL 16.2", problem);
    }

    [Theory]
    [InlineData(15, 15)]
    [InlineData(17, 15)]
    public void A_tool_of_the_same_or_newer_major_is_compatible(int toolMajor, int serverMajor) =>
        Assert.Null(new PgTool("pg_dump", "/x", new Version(toolMajor, 0)).IncompatibilityWith(new Version(serverMajor, 4)));
}
