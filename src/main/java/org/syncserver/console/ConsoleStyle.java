package org.syncserver.console;

/** The console's one stylesheet, served as /console.css (the pages' security policy allows no inline style). */
final class ConsoleStyle {

    static final String CSS = """
            * { box-sizing: border-box; }
            body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330;
                   background: #f5f6f8; }
            header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem;
                     padding: .6rem 1rem; background: #1d2330; }
            header a, header button.link { color: #fff; text-decoration: none; margin-right: 1rem; }
            .brand { font-weight: 600; }
            nav { display: flex; flex-wrap: wrap; align-items: center; }
            nav form { display: inline; margin: 0; }
            main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
            main.login { max-width: 24rem; margin-top: 10vh; }
            h1 { font-size: 1.4rem; overflow-wrap: anywhere; }
            h2 { font-size: 1.1rem; margin-top: 2rem; }
            .scroll { overflow-x: auto; }
            .scroll table { min-width: 34rem; }
            table { border-collapse: collapse; width: 100%; background: #fff; }
            th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e2e5ea; vertical-align: top;
                     overflow-wrap: anywhere; }
            th { background: #eceef2; font-weight: 600; overflow-wrap: normal; }
            th.n, td.n { text-align: right; white-space: nowrap; }
            .scroll table.narrow { width: auto; min-width: 20rem; }
            td.k { white-space: nowrap; overflow-wrap: normal; }
            code { font-size: .85em; }
            dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
            dt { color: #5b6270; } dd { margin: 0; overflow-wrap: anywhere; }
            label { display: block; margin: .6rem 0 .2rem; }
            input { font: inherit; padding: .4rem; width: 100%; max-width: 24rem; }
            form.search { display: flex; flex-wrap: wrap; align-items: end; gap: .5rem; margin-bottom: 1rem; }
            form.search label { width: 100%; margin: 0; }
            form.search input { flex: 1; }
            button, .button { font: inherit; display: inline-block; padding: .35rem .8rem; border: 1px solid #aab1bd;
                              border-radius: 4px; background: #fff; color: #1d2330; text-decoration: none;
                              cursor: pointer; margin: .15rem 0; }
            button.link { border: 0; background: none; padding: 0; }
            .danger { border-color: #b3261e; color: #b3261e; }
            button.danger { background: #b3261e; color: #fff; }
            main.login button { margin-top: 1rem; }
            .done { background: #e3f4e6; border: 1px solid #9bcfa5; padding: .5rem .8rem; }
            .error { background: #fbe6e4; border: 1px solid #e5a29c; padding: .5rem .8rem; }
            .note { color: #5b6270; font-size: .9em; }
            .confirm { background: #fff; border-left: 4px solid #b3261e; padding: .8rem 1rem; }
            """;

    private ConsoleStyle() {
    }
}
