namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition that becomes true in the background (a process starting, a worker finishing).</summary>
public static class Eventually
{
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the condition did not become true within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds} s");
    }
}
