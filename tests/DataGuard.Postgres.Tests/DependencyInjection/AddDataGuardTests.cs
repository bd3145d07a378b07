using DataGuard.DependencyInjection;
using DataGuard.Diagnostics;
using DataGuard.Configuration;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DataGuard.Tests.DependencyInjection;

public class AddDataGuardTests
{
    [Fact]
    public void Calling_twice_adds_no_duplicate_registrations()
    {
        var once = new ServiceCollection();
        once.AddDataGuard().AddPostgres().AddS3Storage().AddFileSystemStorage("/tmp/x");

        var twice = new ServiceCollection();
        twice.AddDataGuard().AddPostgres().AddS3Storage().AddFileSystemStorage("/tmp/x");
        twice.AddDataGuard().AddPostgres().AddS3Storage().AddFileSystemStorage("/tmp/x");

        Assert.Equal(Signature(once).Where(IsService).Order(StringComparer.Ordinal), Signature(twice).Where(IsService).Order(StringComparer.Ordinal));
        using var provider = twice.BuildServiceProvider();
        Assert.Equal(["configuration", "features", "pdf fonts", "postgres", "staging", "storage"], provider.GetServices<IDoctorCheck>().Select(c => c.Name).Order());
        Assert.Equal(2, provider.GetServices<StorageProviderRegistration>().Count());
    }

    [Fact]
    public void TimeProvider_comes_from_the_container_when_the_host_registered_one()
    {
        var fake = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(fake);
        services.AddDataGuard();
        using var provider = services.BuildServiceProvider();
        Assert.Same(fake, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void TimeProvider_defaults_to_the_system_clock()
    {
        using var provider = new ServiceCollection().AddDataGuard().Services.BuildServiceProvider();
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void Works_without_an_IConfiguration_in_the_container()
    {
        var services = new ServiceCollection();
        services.AddDataGuard(o => o.Storage.FileSystem.Root = "/tmp/no-config");
        using var provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<IBackupStorage>();
        Assert.IsType<FileSystemBackupStorage>(storage);
        Assert.Equal("/tmp/no-config", storage.Location);
    }

    [Fact]
    public void AddS3Storage_makes_S3_the_default_and_an_explicit_provider_wins()
    {
        var services = new ServiceCollection();
        services.AddDataGuard().AddS3Storage(o => o.Bucket = "b");
        using (var provider = services.BuildServiceProvider())
        {
            Assert.Equal("S3", provider.GetRequiredService<IBackupStorage>().ProviderName);
        }

        services.AddDataGuard(o =>
        {
            o.Storage.Provider = "filesystem";
            o.Storage.FileSystem.Root = "/tmp/fs";
        });
        using (var provider = services.BuildServiceProvider())
        {
            Assert.Equal(StorageOptions.FileSystemProvider, provider.GetRequiredService<IBackupStorage>().ProviderName);
            Assert.Null(Record.Exception(() => provider.GetRequiredService<IOptions<DataGuardOptions>>().Value));
        }
    }

    private static bool IsService(string signature) => !signature.StartsWith("Microsoft.Extensions.Options.IConfigureOptions", StringComparison.Ordinal);

    private static List<string> Signature(IServiceCollection services) =>
        [.. services.Select(d => $"{d.ServiceType.FullName}|{d.ImplementationType?.FullName}|{(d.ImplementationInstance as StorageProviderRegistration)?.Name}")];
}
