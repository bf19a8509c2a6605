/**
 * Loaded by mocha before every test file (.mocharc.json): checks of the Kubernetes version calendar run for the day
 * the calendar was written, so that a table that has aged fails no test by itself (the calendar's own tests set
 * other days explicitly).
 */
import { CHECK_DATE_VARIABLE, KUBERNETES_CALENDAR } from "../src/aks/kubernetesVersions";

process.env[CHECK_DATE_VARIABLE] = KUBERNETES_CALENDAR.asOf;
