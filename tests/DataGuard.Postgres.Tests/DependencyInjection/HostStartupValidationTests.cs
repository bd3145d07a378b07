using DataGuard.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.DependencyInjection;

public class HostStartupValidationTests
{
    private static readonly Dictionary<string, string?> ValidSettings = new()
    {
        ["DataGuard:Postgres:ConnectionString"] = "Host=127.0.0.1;Database=app;Username=app;Password=s3cr3t-Pa55",
        ["DataGuard:Storage:FileSystem:Root"] = "/tmp/dataguard-tests",
    };

    [Fact]
    public async Task Valid_configuration_starts()
    {
        using var host = BuildHost(ValidSettings);
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task Missing_connection_string_fails_at_start_naming_the_option()
    {
        var error = await StartAndFailAsync(With("DataGuard:Postgres:ConnectionString", null));
        Assert.Contains("DataGuard:Postgres:ConnectionString is required", error);
    }

    [Fact]
    public async Task Unknown_storage_provider_fails_at_start_naming_the_option()
    {
        var error = await StartAndFailAsync(With("DataGuard:Storage:Provider", "Dropbox"));
        Assert.Contains("DataGuard:Storage:Provider 'Dropbox' is not a registered storage provider", error);
        Assert.Contains("FileSystem", error);
    }

    [Fact]
    public async Task S3_provider_without_the_S3_package_says_how_to_add_it()
    {
        var host = Host.CreateApplicationBuilder();
        host.Configuration.AddInMemoryCollection(With("DataGuard:Storage:Provider", "S3"));
        host.Services.AddDataGuard().AddPostgres();
        using var built = host.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => built.StartAsync());
        Assert.Contains("AddS3Storage()", ex.Message);
    }

    [Theory]
    [InlineData("every day at 3")]
    [InlineData("61 3 * * *")]
    [InlineData("0 3 * *")]
    public async Task Invalid_cron_expression_fails_at_start_naming_the_option(string schedule)
    {
        var error = await StartAndFailAsync(With("DataGuard:Backup:Schedule", schedule));
        Assert.Contains("DataGuard:Backup:Schedule", error);
        Assert.Contains(schedule, error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("20")]
    public async Task A_WAL_compression_level_out_of_range_fails_at_start_naming_the_option(string level)
    {
        var error = await StartAndFailAsync(With("DataGuard:Pitr:WalCompressionLevel", level));
        Assert.Contains($"DataGuard:Pitr:WalCompressionLevel must be between 1 and 19 (is {level})", error);
    }

    [Fact]
    public async Task Unknown_time_zone_fails_at_start()
    {
        var error = await StartAndFailAsync(With("DataGuard:TimeZone", "Mars/Olympus"));
        Assert.Contains("DataGuard:TimeZone", error);
        Assert.Contains("Mars/Olympus", error);
    }

    [Fact]
    public async Task S3_without_bucket_fails_at_start_naming_the_option()
    {
        var settings = With("DataGuard:Storage:Provider", "S3");
        var error = await StartAndFailAsync(settings, withS3: true);
        Assert.Contains("DataGuard:Storage:S3:Bucket is required", error);
    }

    [Fact]
    public async Task S3_part_size_below_five_MiB_fails_at_start()
    {
        var settings = With("DataGuard:Storage:S3:Bucket", "b");
        settings["DataGuard:Storage:S3:PartSize"] = "1048576";
        var error = await StartAndFailAsync(settings, withS3: true);
        Assert.Contains("DataGuard:Storage:S3:PartSize must be at least", error);
    }

    [Fact]
    public async Task Failures_never_echo_the_connection_string_password()
    {
        var settings = With("DataGuard:Postgres:ConnectionString", "Host=;Password=s3cr3t-Pa55");
        var error = await StartAndFailAsync(settings);
        Assert.Contains("DataGuard:Postgres:ConnectionString", error);
        Assert.DoesNotContain("s3cr3t-Pa55", error);
    }

    [Theory]
    [InlineData("FileMode", "644x", "not an octal file mode")]
    [InlineData("FileMode", "0400", "owner read and write")]
    [InlineData("FileMode", "0666", "any local user")]
    [InlineData("FileMode", "4600", "setuid")]
    [InlineData("DirectoryMode", "0600", "read, write and search")]
    [InlineData("DirectoryMode", "0777", "any local user")]
    [InlineData("DirectoryMode", "1700", "sticky")]
    public async Task Invalid_file_system_modes_fail_at_start_naming_the_option(string option, string value, string expected)
    {
        var error = await StartAndFailAsync(With($"DataGuard:Storage:FileSystem:{option}", value));
        Assert.Contains($"DataGuard:Storage:FileSystem:{option}", error);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("DataGuard:Backup:Schedulee", "0 3 * * *", "DataGuard:Backup:Schedulee is not a DataGuard option; did you mean Schedule?")]
    [InlineData("DataGuard:Backup:Compresion:Level", "3", "DataGuard:Backup:Compresion is not a DataGuard option; did you mean Compression?")]
    [InlineData("DataGuard:Storage:FileSystem:Rot", "/x", "DataGuard:Storage:FileSystem:Rot is not a DataGuard option; did you mean Root?")]
    [InlineData("DataGuard:Retention:Policies:0:MaxAg", "30.00:00:00", "DataGuard:Retention:Policies:0:MaxAg is not a DataGuard option; did you mean MaxAge?")]
    [InlineData("DataGuard:Retension:Schedule", "0 4 * * *", "DataGuard:Retension is not a DataGuard option; did you mean Retention?")]
    [InlineData("DataGuard:Backup:TimeZone", "UTC", "DataGuard:Backup:TimeZone moved to DataGuard:TimeZone")]
    [InlineData("DataGuard:Backup:Schedule:Daily", "yes", "DataGuard:Backup:Schedule is a single value, not a section")]
    public async Task An_unknown_key_fails_at_start_naming_its_path_and_the_nearest_valid_name(string key, string value, string expected)
    {
        var error = await StartAndFailAsync(With(key, value));
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task Options_set_in_code_override_configuration()
    {
        using var host = BuildHost(With("DataGuard:Storage:FileSystem:Root", null), configure: b => b.AddFileSystemStorage("/tmp/from-code"));
        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<DataGuard.Storage.StorageOptions>>().Value;
        Assert.Equal("/tmp/from-code", options.FileSystem.Root);
        await host.StopAsync();
    }

    private static Dictionary<string, string?> With(string key, string? value)
    {
        var settings = new Dictionary<string, string?>(ValidSettings) { [key] = value };
        return settings;
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, bool withS3 = false, Action<IDataGuardBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        var dataGuard = builder.Services.AddDataGuard().AddPostgres();
        if (withS3)
        {
            dataGuard.AddS3Storage();
        }

        configure?.Invoke(dataGuard);
        return builder.Build();
    }

    private static async Task<string> StartAndFailAsync(Dictionary<string, string?> settings, bool withS3 = false)
    {
        using var host = BuildHost(settings, withS3);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        return ex switch
        {
            OptionsValidationException options => string.Join("\n", options.Failures),
            AggregateException aggregate => string.Join("\n", aggregate.InnerExceptions.Select(e => e.Message)),
            _ => ex.Message,
        };
    }
}
