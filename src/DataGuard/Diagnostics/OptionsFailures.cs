using Microsoft.Extensions.Options;

namespace DataGuard.Diagnostics;

/// <summary>Turns option validation exceptions into their individual messages.</summary>
internal static class OptionsFailures
{
    /// <summary>Lists the failure messages inside an <see cref="OptionsValidationException"/> or an aggregate of them.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>One message per failed rule.</returns>
    public static IReadOnlyList<string> Of(Exception exception) => exception switch
    {
        OptionsValidationException options => [.. options.Failures],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(Of)],
        _ => [exception.Message],
    };
}
