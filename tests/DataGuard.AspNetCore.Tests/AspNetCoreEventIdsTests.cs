using System.Reflection;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.AspNetCore.Tests;

/// <summary>DataGuard.AspNetCore's log messages use the 1900-1999 ids of DataGuardEventIds, each once.</summary>
public sealed class AspNetCoreEventIdsTests
{
    [Fact]
    public void Every_AspNetCore_event_id_is_used_by_exactly_one_message_of_the_package()
    {
        var constants = typeof(DataGuardEventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.StartsWith("AspNetCore", StringComparison.Ordinal))
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        var messages = typeof(DataGuardEndpointRouteBuilderExtensions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .Where(a => a is not null)
            .Select(a => a!.EventId)
            .ToList();

        Assert.Equal(4, constants.Count);
        Assert.All(constants.Values, id => Assert.InRange(id, 1900, 1999));
        Assert.Equal(constants.Values.Order(), messages.Order());
    }
}
