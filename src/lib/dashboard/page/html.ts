// The dashboard page's markup. Only fixed text here: every value from the data is put in by app.js
// as text (never as markup), and every file the page loads comes from the musicflow server itself.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>musicflow · live listening</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
<script src="/vendor/echarts.min.js"></script>
<script src="/vendor/topojson-client.min.js"></script>
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">♫</span> musicflow <span class="sub">live listening</span></div>
  <div class="live" id="live"><span class="dot"></span><span id="live-text">connecting…</span></div>
</header>

<form class="filters" id="filters" autocomplete="off">
  <label>Time range
    <select id="f-range" name="range">
      <option value="all">everything</option>
      <option value="30d">last 30 days</option>
      <option value="7d">last 7 days</option>
      <option value="24h">last 24 hours</option>
      <option value="6h">last 6 hours</option>
      <option value="1h">last hour</option>
      <option value="15m">last 15 minutes</option>
    </select>
  </label>
  <label>Device
    <select id="f-device" name="device">
      <option value="all">mobile + PC</option>
      <option value="mobile">mobile only</option>
      <option value="pc">PC only</option>
    </select>
  </label>
  <label>Level
    <select id="f-level" name="level">
      <option value="all">all levels</option>
      <option value="Free">Free</option>
      <option value="Silver">Silver</option>
      <option value="Gold">Gold</option>
    </select>
  </label>
  <label>Over time, per
    <select id="f-grain" name="grain">
      <option value="auto">auto</option>
      <option value="minute">minute</option>
      <option value="hour">hour</option>
    </select>
  </label>
  <div class="state-filter">State
    <span class="chip" id="f-state">all states</span>
    <button type="button" id="f-state-clear" class="clear" hidden title="show all states">×</button>
    <span class="hint">click the map to pick one</span>
  </div>
  <div class="range-note" id="range-note"></div>
</form>

<section class="empty" id="empty" hidden>
  <h2>No plays indexed yet</h2>
  <p>The charts fill in as soon as the stream indexes its first plays. To get some:</p>
  <pre>musicflow seed --customers cust.csv --music music.csv
musicflow replay --file tracks.csv --retime --rate 50 &amp;
musicflow stream</pre>
  <p class="muted">This page updates by itself; there is no need to reload.</p>
</section>

<section class="kpis">
  <div class="kpi"><span class="k">Plays</span><span class="v" id="kpi-plays">–</span><span class="s" id="kpi-plays-sub">in the selection</span></div>
  <div class="kpi"><span class="k">Mobile share</span><span class="v" id="kpi-mobile-share">–</span><span class="s" id="kpi-mobile-sub">of plays</span></div>
  <div class="kpi"><span class="k">Events / s</span><span class="v" id="kpi-rate">–</span><span class="s">processed by the stream</span></div>
  <div class="kpi"><span class="k">Lag</span><span class="v" id="kpi-lag">–</span><span class="s">records not yet processed</span></div>
  <div class="kpi"><span class="k">Dead letters</span><span class="v" id="kpi-dead">–</span><span class="s">lines that could not be used</span></div>
  <div class="kpi"><span class="k">Interests</span><span class="v" id="kpi-interests">–</span><span class="s">3 plays of a track in 30 min</span></div>
  <div class="kpi"><span class="k">Targeted</span><span class="v" id="kpi-targeted">–</span><span class="s" id="kpi-targeted-sub">customers</span></div>
  <div class="kpi"><span class="k">Ad decisions</span><span class="v" id="kpi-ads">–</span><span class="s">offers shown</span></div>
  <div class="kpi"><span class="k">SMS queued</span><span class="v" id="kpi-sms">–</span><span class="s">one a customer a day</span></div>
</section>

<main class="grid">
  <article class="card span-8" data-panel="series">
    <h2>Plays over time <small id="series-unit">mobile vs PC</small></h2>
    <div class="chart" id="chart-series"></div>
  </article>
  <article class="card span-4" data-panel="mobile">
    <h2>Mobile share <small>plays by device</small></h2>
    <div class="chart" id="chart-mobile"></div>
  </article>

  <article class="card span-8" data-panel="map">
    <h2>Plays by state <small>top listening zips as points · click a state to filter</small></h2>
    <div class="chart tall" id="chart-map"></div>
  </article>
  <article class="card span-4" data-panel="zips">
    <h2>Top listening zips <small id="zips-since"></small></h2>
    <div class="table-wrap tall"><table class="list" id="table-zips">
      <thead><tr><th>zip</th><th>place</th><th class="num">plays</th></tr></thead><tbody></tbody>
    </table></div>
  </article>

  <article class="card span-4" data-panel="hours">
    <h2>Hour of day <small>plays per hour, UTC</small></h2>
    <div class="chart" id="chart-hours"></div>
  </article>
  <article class="card span-4" data-panel="gender">
    <h2>Male / female <small>plays by listener gender</small></h2>
    <div class="chart" id="chart-gender"></div>
  </article>
  <article class="card span-4" data-panel="age">
    <h2>Age bands <small id="age-note">plays by listener age</small></h2>
    <div class="chart" id="chart-age"></div>
  </article>

  <article class="card span-4" data-panel="level">
    <h2>Membership levels <small>plays by level</small></h2>
    <div class="chart" id="chart-level"></div>
  </article>
  <article class="card span-4" data-panel="campaign">
    <h2>Campaigns <small>plays by sign-up campaign</small></h2>
    <div class="chart" id="chart-campaign"></div>
  </article>
  <article class="card span-4" data-panel="state-customers">
    <h2>Who listens in <span id="state-title">a state</span> <small>customers by plays</small></h2>
    <div class="table-wrap"><table class="list" id="table-state-customers">
      <thead><tr><th>customer</th><th>name</th><th class="num">plays</th></tr></thead><tbody></tbody>
    </table></div>
    <p class="muted" id="state-customers-hint">Click a state on the map to list its listeners.</p>
  </article>

  <article class="card span-6" data-panel="tracks">
    <h2>Top tracks <small id="tracks-since">plays</small></h2>
    <div class="chart" id="chart-tracks"></div>
  </article>
  <article class="card span-6" data-panel="artists">
    <h2>Top artists <small id="artists-since">plays</small></h2>
    <div class="chart" id="chart-artists"></div>
  </article>

  <article class="card span-6" data-panel="interests">
    <h2>Live interest feed <small>newest first, event time UTC</small></h2>
    <div class="table-wrap"><table class="list" id="table-interests">
      <thead><tr><th>when</th><th>customer</th><th>track</th></tr></thead><tbody></tbody>
    </table></div>
  </article>
  <article class="card span-3" data-panel="ads">
    <h2>Ads, SMS and model</h2>
    <dl class="facts" id="facts-ads"></dl>
  </article>
  <article class="card span-3" data-panel="health">
    <h2>Pipeline health <small>events / s</small></h2>
    <div class="chart short" id="chart-rate"></div>
    <dl class="facts" id="facts-health"></dl>
  </article>

  <article class="card span-12" data-panel="customer" id="customer">
    <h2>Customer drill-down</h2>
    <form class="lookup" id="lookup-form">
      <label>Customer id <input id="lookup-id" inputmode="numeric" pattern="[0-9]+" placeholder="e.g. 42" required></label>
      <button type="submit">Look up</button>
      <span class="muted" id="lookup-status">or click a customer in a list above</span>
    </form>
    <div class="customer" id="customer-detail" hidden>
      <div class="customer-head">
        <h3 id="c-name"></h3>
        <div class="tags" id="c-tags"></div>
      </div>
      <div class="customer-cols">
        <section><h4>Profile</h4><dl class="facts" id="c-profile"></dl></section>
        <section><h4>Model and ads</h4><dl class="facts" id="c-model"></dl></section>
        <section class="wide"><h4>Recent plays <small>UTC</small></h4>
          <div class="table-wrap"><table class="list" id="c-plays">
            <thead><tr><th>when</th><th>track</th><th>device</th><th>where</th></tr></thead><tbody></tbody>
          </table></div>
        </section>
        <section><h4>Interests</h4><ul class="plain" id="c-interests"></ul></section>
      </div>
    </div>
  </article>
</main>
<footer class="foot muted">Served by musicflow from this machine · times are the log's UTC wall-clock · <a href="/metrics">/metrics</a></footer>
</body>
</html>
`;
