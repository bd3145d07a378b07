// A host application that embeds DataGuard: the options come from appsettings.json and the environment,
// are validated when the host starts, and the doctor checks that the deployment is ready.
using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddDataGuard()
    .AddPostgres()
    .AddS3Storage();   // available; used only when DataGuard:Storage:Provider is S3

using var host = builder.Build();
try
{
    await host.StartAsync();   // a bad option stops here, with its path in the message
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine("DataGuard configuration is invalid:");
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"  - {failure}");
    }

    return 2;
}

Console.WriteLine("DataGuard sample host started. Checking the deployment:");
var results = await host.Services.GetRequiredService<DataGuardDoctor>().RunAsync();
foreach (var result in results)
{
    Console.WriteLine($"  {(result.Succeeded ? "OK  " : "FAIL")}  {result.Name,-17} {result.Detail}");
    if (!result.Succeeded && result.Hint is not null)
    {
        Console.WriteLine($"        {"",-17} hint: {result.Hint}");
    }
}

if (!results.All(r => r.Succeeded))
{
    await host.StopAsync();
    return 1;
}

// The same call the scheduler makes at each cron slot (DataGuard:Backup:Schedule): back up, verify, write the manifest.
Console.WriteLine("Backing up the database:");
var manifest = await host.Services.GetRequiredService<BackupService>().RunAsync();
Console.WriteLine($"  {manifest.Id}: {manifest.RawSize:N0} bytes raw, {manifest.StoredSize:N0} stored, {manifest.TableRowCounts.Count} tables, {manifest.Status}");

await host.StopAsync();
return 0;
