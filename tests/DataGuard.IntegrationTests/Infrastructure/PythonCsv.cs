using System.Text.Json;

namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>Reads a CSV file with Python's csv module: a parser independent of the one that wrote it.</summary>
public static class PythonCsv
{
    public static async Task<List<List<string>>> ReadAsync(string path)
    {
        const string Script = "import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n    print(json.dumps(list(csv.reader(f))))";
        var result = await ProcessRunner.RunAsync("python3", ["-c", Script, path]);
        Assert.True(result.ExitCode == 0, result.Error);
        return JsonSerializer.Deserialize<List<List<string>>>(result.Output)!;
    }
}
