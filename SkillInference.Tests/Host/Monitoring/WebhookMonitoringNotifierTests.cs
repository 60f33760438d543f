using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SkillInference.Host.Monitoring;
using SkillInference.Monitoring;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host.Monitoring;

/// <summary>The webhook notifier against a real HTTP receiver on 127.0.0.1.</summary>
[TestClass]
public sealed class WebhookMonitoringNotifierTests
{
    private static MonitoringNotice Notice(string state) =>
        new("drift", "creativity", "1.2.0", state, "score PSI 0.31 over 0.25", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new Dictionary<string, double> { ["psi"] = 0.31, ["threshold"] = 0.25 });

    private static async Task<(ServiceProvider Provider, WebhookMonitoringNotifier Notifier)> StartAsync(Uri url)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging());
        services.AddHttpClient(WebhookMonitoringNotifier.HttpClientName);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Options.Create(new MonitoringOptions { Webhook = new WebhookOptions { Url = url.ToString(), MaxAttempts = 4, RetryDelay = TimeSpan.FromMilliseconds(20) } }));
        services.AddSingleton<WebhookMonitoringNotifier>();
        var provider = services.BuildServiceProvider();
        var notifier = provider.GetRequiredService<WebhookMonitoringNotifier>();
        await notifier.StartAsync(CancellationToken.None);
        return (provider, notifier);
    }

    [TestMethod]
    public async Task Publish_ReceiverDownTwice_DeliversOnceAfterRetriesAsSlackJson()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailFirst = 2;
        var (provider, notifier) = await StartAsync(receiver.Url);
        await using var _ = provider;

        notifier.Publish(Notice("alert"));
        var messages = await receiver.WaitForAsync(1);
        await notifier.StopAsync(CancellationToken.None);

        Assert.HasCount(1, messages);
        Assert.AreEqual(3, receiver.Attempts, "two 503s, then delivered");
        Assert.AreEqual("[ALERT] drift — creativity 1.2.0: score PSI 0.31 over 0.25", messages[0]["text"]!.GetValue<string>());
        Assert.AreEqual(0.31, messages[0]["values"]!["psi"]!.GetValue<double>());
        Assert.AreEqual("1.2.0", messages[0]["modelVersion"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Publish_SameStateTwice_SendsOneMessagePerChange()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (provider, notifier) = await StartAsync(receiver.Url);
        await using var _ = provider;

        notifier.Publish(Notice("alert"));
        notifier.Publish(Notice("alert"));
        notifier.Publish(Notice("ok"));
        var messages = await receiver.WaitForAsync(2);
        await notifier.StopAsync(CancellationToken.None);

        CollectionAssert.AreEqual(new[] { "alert", "ok" }, messages.Select(m => m["state"]!.GetValue<string>()).ToArray());
    }
}
