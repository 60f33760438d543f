using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SkillInference.Monitoring;

/// <summary>The default notifier: every notice is a log event (the host adds the webhook).</summary>
internal sealed class LogMonitoringNotifier(ILogger<LogMonitoringNotifier>? logger = null) : IMonitoringNotifier
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public void Publish(MonitoringNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        Log.Notice(_logger, notice.Kind, notice.Skill, notice.ModelVersion ?? "", notice.State, notice.Summary);
    }
}
