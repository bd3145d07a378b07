using BenchmarkDotNet.Running;
using DataGuard.Benchmarks;

if (args is ["peak", var operation])
{
    return await PeakMemory.RunAsync(operation);
}

if (args is ["retention"])
{
    return await RetentionThroughput.RunAsync();
}

if (args is ["export-latency"])
{
    return await ExportLatency.RunAsync();
}

if (args is ["migrations"])
{
    return await MigrationOverhead.RunAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(StorageThroughputBenchmarks).Assembly).Run(args);
return 0;
