using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// An s3rver of one test's own (installed by scripts/services.sh into .tools/), which the test may kill and restart
/// on the same port and data folder to see what a crash left behind.
/// </summary>
public sealed class PrivateS3rver : IAsyncDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"dataguard-s3rver-{Guid.NewGuid():N}");
    private Process? _process;

    private PrivateS3rver(int port) => Port = port;

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Gets the folder s3rver keeps its buckets in (kept across restarts).</summary>
    public string DataDirectory => _dataDir;

    public static async Task<PrivateS3rver> StartAsync()
    {
        if (!File.Exists(RepositoryPaths.S3rverScript))
        {
            // Installs s3rver into .tools/ (the same logic CI and developers use); the shared server stays as it is.
            await TestS3.GetServerAsync();
        }

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var server = new PrivateS3rver(port);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Creates a bucket on this server (s3rver accepts any credentials).</summary>
    public async Task CreateBucketAsync(string bucket)
    {
        var options = new DataGuard.S3.S3StorageOptions { Bucket = bucket, ServiceUrl = Endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" };
        using var client = DataGuard.S3.S3ClientFactory.Create(options);
        await client.PutBucketAsync(new Amazon.S3.Model.PutBucketRequest { BucketName = bucket });
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async Task RestartAsync()
    {
        Kill();
        Directory.CreateDirectory(_dataDir);
        var info = new ProcessStartInfo("node")
        {
            ArgumentList = { RepositoryPaths.S3rverLauncher, RepositoryPaths.S3rverScript, "-d", _dataDir, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-vhost-buckets", "--silent" },
            Environment = { ["NODE_OPTIONS"] = "--openssl-legacy-provider" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"s3rver did not listen on {Port}");
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
