// GOV.UK Frontend's components (error summary focus, header menu, details) start here.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

initAll();
