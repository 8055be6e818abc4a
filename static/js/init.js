// Talk London – progressive enhancement bootstrap.
// Loaded as <script type="module">: only module-capable browsers run it, which
// is exactly GOV.UK Frontend's support test, so both classes are set here
// (the CSP forbids the usual inline snippet).
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
