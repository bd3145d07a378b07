using DataGuard.Backup;
using DataGuard.Postgres;
using DataGuard.Postgres.Backup;

namespace DataGuard.Tests.Postgres;

public class PgSecretsAndNamesTests
{
    [Theory]
    [InlineData("dbname=victim")]
    [InlineData("host=other dbname=app")]
    [InlineData("postgresql://u@other/app")]
    [InlineData("POSTGRES://other/app")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(" app")]
    [InlineData("app\n")]
    [InlineData("a\0b")]
    public void Values_that_are_not_plain_database_names_are_refused(string value)
    {
        Assert.NotNull(PgDatabaseName.Problem(value));
        var ex = Assert.Throws<RestoreRefusedException>(() => PgDatabaseName.Require(value, "--to-database"));
        Assert.Contains("--to-database", ex.Message);
    }

    [Fact]
    public void A_name_longer_than_63_bytes_is_refused_counting_bytes_not_characters() =>
        Assert.Contains("63 bytes", PgDatabaseName.Problem(new string('é', 32)));

    [Theory]
    [InlineData("app", "dbname='app'")]
    [InlineData("it's", @"dbname='it\'s'")]
    [InlineData(@"back\slash", @"dbname='back\\slash'")]
    [InlineData("with \"quotes\" and spaces", "dbname='with \"quotes\" and spaces'")]
    public void Plain_names_reach_the_tools_quoted_as_a_conninfo(string name, string conninfo)
    {
        Assert.Null(PgDatabaseName.Problem(name));
        Assert.Equal(conninfo, PgDatabaseName.Conninfo(name));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData(@"a:b\c", @"a\:b\\c")]
    public void Password_file_fields_escape_colons_and_backslashes(string value, string escaped) =>
        Assert.Equal(escaped, PgPassfile.Escape(value));

    [Fact]
    public void A_password_file_is_0600_in_a_0700_folder_and_disposing_removes_both()
    {
        string path;
        using (var passfile = PgPassfile.Create("s3:cr\\et"))
        {
            path = passfile.Path;
            Assert.Equal("*:*:*:*:s3\\:cr\\\\et\n", File.ReadAllText(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }

        Assert.False(File.Exists(path));
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public void A_password_folder_left_by_a_killed_process_is_swept_once_an_hour_old()
    {
        var abandoned = Directory.CreateTempSubdirectory("dataguard-pg-");
        var recent = Directory.CreateTempSubdirectory("dataguard-pg-");
        File.WriteAllText(Path.Combine(abandoned.FullName, "pgpass"), "*:*:*:*:old\n");
        File.WriteAllText(Path.Combine(recent.FullName, "pgpass"), "*:*:*:*:running\n");
        Directory.SetLastWriteTimeUtc(abandoned.FullName, DateTime.UtcNow.AddHours(-2));
        try
        {
            PgPassfile.SweepAbandoned();
            Assert.False(Directory.Exists(abandoned.FullName));
            Assert.True(File.Exists(Path.Combine(recent.FullName, "pgpass")));
        }
        finally
        {
            recent.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_password_with_a_line_break_is_refused_without_being_echoed()
    {
        var ex = Assert.Throws<DataGuardException>(() => PgPassfile.Create("line1\nline2"));
        Assert.DoesNotContain("line1", ex.Message);
    }

    [Theory]
    [InlineData("PGPASSWORD", true)]
    [InlineData("DATAGUARD_TARGET_PASSWORD", true)]
    [InlineData("DataGuard__Postgres__ConnectionString", true)]
    [InlineData("DATAGUARD__BACKUP__ENCRYPTION__KEY", true)]
    [InlineData("PGPASSFILE", false)]
    [InlineData("PATH", false)]
    [InlineData("LANG", false)]
    public void Secrets_of_dataguards_environment_are_not_passed_to_pg_tools(string variable, bool removed)
    {
        var environment = new Dictionary<string, string?> { [variable] = "x", ["HOME"] = "/root" };
        PgConnectionEnvironment.RemoveSecrets(environment);
        Assert.Equal(!removed, environment.ContainsKey(variable));
        Assert.True(environment.ContainsKey("HOME"));
    }

    [Fact]
    public void The_connection_environment_has_a_password_file_and_never_a_password()
    {
        var connection = new Npgsql.NpgsqlConnectionStringBuilder("Host=db;Port=6543;Username=app;Password=Pa55;Database=dbname=victim");
        using var passfile = PgPassfile.Create("Pa55");
        var environment = PgConnectionEnvironment.For(connection, passfile);
        Assert.Equal(passfile.Path, environment["PGPASSFILE"]);
        Assert.Equal("dbname=victim", environment["PGDATABASE"]);
        Assert.DoesNotContain(environment, e => e.Key == "PGPASSWORD" || e.Value == "Pa55");

        // Null: removed from what the tool inherits, so it cannot be sent elsewhere than the checked target.
        Assert.Null(environment["PGSERVICE"]);
        Assert.Null(environment["PGHOSTADDR"]);
    }

    [Fact]
    public void A_restore_request_prints_no_connection_string()
    {
        var request = new RestoreRequest { TargetConnectionString = "Host=db;Username=app;Password=Pa55-secret;Database=app", Create = true };
        Assert.DoesNotContain("Pa55-secret", request.ToString());
        Assert.Contains("Create = True", request.ToString());
    }
}
