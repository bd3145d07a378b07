using BenchmarkDotNet.Running;
using DataGuard.Benchmarks;

if (args is ["peak", var operation])
{
    return await PeakMemory.RunAsync(operation);
}

BenchmarkSwitcher.FromAssembly(typeof(StorageThroughputBenchmarks).Assembly).Run(args);
return 0;
