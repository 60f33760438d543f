using System.Collections.Concurrent;
using SkillInference.Monitoring;

namespace SkillInference.Tests.Monitoring;

/// <summary>Keeps every notice published (the notifier seam; delivery itself is tested against a real webhook receiver).</summary>
internal sealed class RecordingMonitoringNotifier : IMonitoringNotifier
{
    public ConcurrentQueue<MonitoringNotice> Notices { get; } = new();

    public void Publish(MonitoringNotice notice) => Notices.Enqueue(notice);
}
