namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>The AWS command-line client, a third party that checks what DataGuard wrote.</summary>
public sealed class AwsCli(string path)
{
    /// <summary>Finds <c>aws</c> at /usr/bin/aws or on PATH; fails with how to install it (.ci/run installs it).</summary>
    public static AwsCli Find()
    {
        var candidates = new[] { "/usr/bin/aws", "/usr/local/bin/aws" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "aws")));
        var found = candidates.FirstOrDefault(File.Exists);
        Assert.True(found is not null, "The AWS CLI is needed by this test: apt-get install -y awscli (.ci/run installs it).");
        return new AwsCli(found!);
    }

    public Task<(int ExitCode, string Output, string Error)> RunAsync(S3Server server, IEnumerable<string> arguments) =>
        ProcessRunner.RunAsync(
            path,
            ["--endpoint-url", server.Endpoint, .. arguments],
            new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = server.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = server.SecretKey,
                ["AWS_DEFAULT_REGION"] = "us-east-1",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            });
}
