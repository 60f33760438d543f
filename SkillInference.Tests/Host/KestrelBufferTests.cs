using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SkillInference.Host.Configuration;

namespace SkillInference.Tests.Host;

/// <summary>
/// Kestrel's buffers come from <see cref="LargeBlockMemoryPool"/> (64 KB blocks): a large body arrives in large reads.
/// The pool itself: blocks reused once returned, never twice, up to its bound.
/// </summary>
[TestClass]
public sealed class KestrelBufferTests
{
    /// <summary>
    /// The host as Program.cs builds it (<c>WebApplication.CreateBuilder</c>, then <see cref="HostStartup.UseHostDefaults"/>)
    /// on real Kestrel: a body of 1 MB reaches the request's reader in blocks larger than Kestrel's own 4 KB. (The test
    /// host factory is not used here: it adds Kestrel's services again after the app's, as production never does.)
    /// </summary>
    [TestMethod]
    public async Task LargeBody_OverTheHostsKestrel_ArrivesInBlocksLargerThanKestrelsOwn()
    {
        var builder = WebApplication.CreateBuilder(HostStartup.Options(["--urls", "http://127.0.0.1:0"])).UseHostDefaults();
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost(SegmentsPath, (Delegate)ReadSegmentsAsync);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        var body = new byte[1 << 20];
        Random.Shared.NextBytes(body);

        using var response = await client.PostAsync(new Uri(SegmentsPath, UriKind.Relative), new ByteArrayContent(body));
        var text = await response.Content.ReadAsStringAsync();
        await app.StopAsync();

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, text);
        var seen = JsonNode.Parse(text)!;
        Assert.AreEqual(body.Length, seen["bytes"]!.GetValue<long>(), "the whole body was read");
        // Kestrel's own pool hands out 4 KB blocks, so no segment of a body read through it is longer than 4 KB.
        Assert.IsGreaterThan(4096, seen["largestSegment"]!.GetValue<int>(), text);
    }

    [TestMethod]
    public void Rent_ReturnedBlock_IsRentedAgainAndNeverTwice()
    {
        using var pool = new LargeBlockMemoryPool(blockSize: 1024, maxPooled: 8);
        Assert.AreEqual(1024, pool.MaxBufferSize);
        var first = pool.Rent();
        Assert.AreEqual(1024, first.Memory.Length);
        var array = ArrayOf(first.Memory);

        first.Dispose();
        first.Dispose();
        Assert.AreEqual(1, pool.Pooled, "a block disposed of twice goes back once");
        Assert.ThrowsExactly<ObjectDisposedException>(() => _ = first.Memory);

        using var again = pool.Rent(100);
        Assert.AreSame(array, ArrayOf(again.Memory), "the returned block is reused");
        using var other = pool.Rent();
        Assert.AreNotSame(array, ArrayOf(other.Memory), "a block is never rented to two owners");
        Assert.AreEqual(0, pool.Pooled);
    }

    [TestMethod]
    public void Rent_LargerThanABlock_GetsItsOwnArrayThatIsNotKept()
    {
        using var pool = new LargeBlockMemoryPool(blockSize: 1024, maxPooled: 8);
        var large = pool.Rent(5000);
        Assert.IsGreaterThanOrEqualTo(5000, large.Memory.Length);

        large.Dispose();
        Assert.AreEqual(0, pool.Pooled);
    }

    [TestMethod]
    public void Return_PastTheBound_DropsTheBlock()
    {
        using var pool = new LargeBlockMemoryPool(blockSize: 1024, maxPooled: 2);
        var blocks = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();

        blocks.ForEach(b => b.Dispose());

        Assert.AreEqual(2, pool.Pooled);
    }

    [TestMethod]
    public void Rent_AfterDispose_Throws()
    {
        var pool = new LargeBlockMemoryPool(blockSize: 1024, maxPooled: 2);
        var block = pool.Rent();
        pool.Dispose();

        block.Dispose();
        Assert.AreEqual(0, pool.Pooled, "a block returned after the pool is gone is dropped");
        Assert.ThrowsExactly<ObjectDisposedException>(() => pool.Rent());
    }

    private static byte[] ArrayOf(Memory<byte> memory) =>
        MemoryMarshal.TryGetArray<byte>(memory, out var segment) ? segment.Array! : throw new AssertFailedException("not array-backed");

    private const string SegmentsPath = "/test/body-segments";

    /// <summary>Reads the body through the server's reader: its length and its longest segment.</summary>
    private static async Task<IResult> ReadSegmentsAsync(HttpContext context)
    {
        long bytes = 0;
        var largest = 0;
        while (true)
        {
            var read = await context.Request.BodyReader.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                largest = Math.Max(largest, segment.Length);
            }

            bytes += read.Buffer.Length;
            context.Request.BodyReader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return Results.Json(new { bytes, largestSegment = largest });
            }
        }
    }
}
