using System.Reflection;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Tests.Telemetry;

/// <summary>Event ids are a public contract in logs: one class owns them, each message has its own, none moves.</summary>
public class DataGuardEventIdsTests
{
    private static readonly (string Prefix, int From, int To)[] Ranges =
    [
        ("Storage", 1100, 1199), ("Backup", 1200, 1299), ("Pitr", 1300, 1399), ("Retention", 1400, 1499), ("Export", 1500, 1599), ("Drill", 1600, 1699),
        ("AspNetCore", 1900, 1999),
    ];

    private static readonly Dictionary<string, int> Constants = typeof(DataGuardEventIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

    private static readonly List<(string Method, int Id)> Messages =
    [
        .. new[] { typeof(BackupLog).Assembly, typeof(DataGuard.Postgres.PgIdentifiers).Assembly, typeof(DataGuard.S3.S3BackupStorage).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(p => p.Attribute is not null)
            .Select(p => ($"{p.Method.DeclaringType!.Name}.{p.Method.Name}", p.Attribute!.EventId)),
    ];

    [Fact]
    public void Every_log_message_uses_an_id_of_the_event_id_class_and_no_two_share_one()
    {
        Assert.NotEmpty(Messages);
        Assert.All(Messages, m => Assert.Contains(m.Id, Constants.Values));
        Assert.Empty(Messages.GroupBy(m => m.Id).Where(g => g.Count() > 1).Select(g => string.Join(", ", g)));
    }

    [Fact]
    public void Every_constant_is_used_once_and_lies_in_its_features_range()
    {
        Assert.Equal(Constants.Count, Constants.Values.Distinct().Count());
        Assert.All(Constants, c =>
        {
            var range = Assert.Single(Ranges, r => c.Key.StartsWith(r.Prefix, StringComparison.Ordinal));
            Assert.InRange(c.Value, range.From, range.To);
            if (!c.Key.StartsWith("AspNetCore", StringComparison.Ordinal))
            {
                Assert.Contains(Messages, m => m.Id == c.Value);   // DataGuard.AspNetCore's messages: its own test (AspNetCoreEventIdsTests)
            }
        });
    }

    [Theory]
    [InlineData("StorageLog.ObjectWritten", 1100)]
    [InlineData("StorageLog.BatchDeleteFallback", 1104)]
    [InlineData("BackupLog.Started", 1200)]
    [InlineData("BackupLog.ScheduledFailed", 1203)]
    [InlineData("BackupLog.Forgotten", 1210)]
    [InlineData("PitrLog.Pushed", 1300)]
    [InlineData("PitrLog.SpoolPushFailed", 1303)]
    [InlineData("RetentionScheduler.RunFailed", 1400)]
    [InlineData("RetentionLog.PolicyDoneCore", 1401)]
    [InlineData("RetentionLog.NotValidated", 1405)]
    [InlineData("ExportLog.Ready", 1500)]
    [InlineData("ExportLog.Swept", 1506)]
    [InlineData("DrillLog.Finished", 1600)]
    [InlineData("DrillLog.ScheduledFailed", 1601)]
    public void Published_ids_keep_their_numbers(string method, int id) =>
        Assert.Equal(id, Assert.Single(Messages, m => m.Method == method).Id);
}
